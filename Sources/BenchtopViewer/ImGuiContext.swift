import BenchtopCore
import BenchtopRender
internal import CImGuiShim
import Foundation

/// Dear ImGui for one viewer window, through the C shim: a frame's widgets go between `newFrame` and `render`.
/// The context is global in ImGui, so one viewer window at a time owns it.
final class ImGuiContext {
    /// The anti-aliased TrueType font (Debian's fonts-dejavu-core); ImGui's built-in ProggyClean when it is missing.
    static let fontPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    let hasTrueTypeFont: Bool
    private var textures: [String: (name: UInt32, image: [UInt8], width: Int, height: Int)] = [:]

    /// `scale` is the framebuffer-to-window ratio (HiDPI), so text keeps its physical size.
    init?(window: OpaquePointer, pointSize: Double = 15, scale: Double = 1) {
        guard bi_create(UnsafeMutableRawPointer(window), Self.fontPath, Float(pointSize * scale)) == 1 else { return nil }
        hasTrueTypeFont = bi_has_truetype_font() == 1
    }

    deinit {
        for t in textures.values { bi_texture_delete(t.name) }
        bi_destroy()
    }

    func newFrame() { bi_new_frame() }
    func render() { bi_render() }
    var wantsMouse: Bool { bi_wants_mouse() == 1 }
    var wantsKeyboard: Bool { bi_wants_keyboard() == 1 }

    /// A window placed at first use (or every frame with `always`); returns its rectangle and whether it is collapsed.
    @discardableResult
    func window(_ title: String, x: Double, y: Double, width: Double, height: Double, always: Bool = false, _ body: () -> Void)
        -> (rect: PixelRect, collapsed: Bool)
    {
        if bi_begin(title, Float(x), Float(y), Float(width), Float(height), always ? 1 : 0) == 1 { body() }
        var r: [Float] = [0, 0, 0, 0]
        var collapsed: Int32 = 0
        bi_window_rect(&r, &collapsed)
        bi_end()
        return (PixelRect(x: Double(r[0]), y: Double(r[1]), width: Double(r[2]), height: Double(r[3])), collapsed == 1)
    }

    /// Lines of text in a frameless box whose corner `pivot` (0 or 1 per axis) sits at (x, y).
    func overlay(_ id: String, x: Double, y: Double, pivot: SIMD2<Double> = .zero, lines: [(String, Color?)]) {
        guard !lines.isEmpty else { return }
        bi_overlay_begin(id, Float(x), Float(y), Float(pivot.x), Float(pivot.y), 0.6)
        for (line, color) in lines { if let color { colored(line, color) } else { text(line) } }
        bi_end()
    }

    func header(_ label: String, open: Bool = false) -> Bool { bi_collapsing_header(label, open ? 1 : 0) == 1 }
    func text(_ s: String) { bi_text(s) }
    func colored(_ s: String, _ c: Color) { bi_text_colored(Float(c.r), Float(c.g), Float(c.b), s) }
    func disabled(_ s: String) { bi_text_disabled(s) }
    func button(_ label: String) -> Bool { bi_button(label) == 1 }
    func radio(_ label: String, active: Bool) -> Bool { bi_radio(label, active ? 1 : 0) == 1 }
    func selectable(_ label: String, selected: Bool) -> Bool { bi_selectable(label, selected ? 1 : 0) == 1 }
    func sameLine() { bi_same_line() }
    /// Continues the line at `x` window pixels from the window's left edge.
    func sameLine(at x: Double) { bi_same_line_at(Float(x)) }
    func separator() { bi_separator() }
    func withID(_ id: Int, _ body: () -> Void) {
        bi_push_id(Int32(id))
        body()
        bi_pop_id()
    }
    var availableWidth: Double { Double(bi_available_width()) }
    func nextItemWidth(_ w: Double) { bi_set_next_item_width(Float(w)) }
    var itemActive: Bool { bi_item_active() == 1 }

    @discardableResult
    func checkbox(_ label: String, _ value: inout Bool) -> Bool {
        var v: Int32 = value ? 1 : 0
        let changed = bi_checkbox(label, &v) == 1
        value = v == 1
        return changed
    }

    @discardableResult
    func slider(_ label: String, _ value: inout Double, _ range: ClosedRange<Double>, format: String = "%.3f", log: Bool = false) -> Bool {
        var v = Float(value)
        let changed = bi_slider(label, &v, Float(range.lowerBound), Float(range.upperBound), format, log ? 1 : 0) == 1
        if changed { value = Double(v) }
        return changed
    }

    /// Text over everything (labels on camera panels, the stroke status).
    func drawText(_ s: String, at p: SIMD2<Double>, color: Color = Color(1, 1, 1)) {
        bi_draw_text(Float(p.x), Float(p.y), Float(color.r), Float(color.g), Float(color.b), s)
    }

    func textSize(_ s: String) -> SIMD2<Double> {
        var out: [Float] = [0, 0]
        bi_text_size(s, &out)
        return SIMD2(Double(out[0]), Double(out[1]))
    }

    /// Draws an RGB picture, uploading it again only when its samples changed (a cached picture shares storage,
    /// so the comparison is cheap).
    func image(_ key: String, samples: [UInt8], width: Int, height: Int, size: SIMD2<Double>) {
        var entry = textures[key]
        if entry == nil || entry!.width != width || entry!.height != height || entry!.image != samples {
            let name = samples.withUnsafeBufferPointer { bi_texture_rgb(entry?.name ?? 0, $0.baseAddress, Int32(width), Int32(height)) }
            entry = (name, samples, width, height)
            textures[key] = entry
        }
        bi_image(entry!.name, Float(size.x), Float(size.y))
    }
}
