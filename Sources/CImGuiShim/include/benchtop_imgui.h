// Benchtop's only door into Dear ImGui (Debian's libimgui-dev with its GLFW and OpenGL 3 backends): a pure C
// API over one global UI context bound to one GLFW window. No C++ type crosses this header; strings are UTF-8
// and shown as they are (never used as format strings). Imported by BenchtopViewer only.
#ifndef BENCHTOP_IMGUI_H
#define BENCHTOP_IMGUI_H

#ifdef __cplusplus
extern "C" {
#endif

/// Creates the UI context for a GLFW window whose OpenGL 3.3 context is current, chaining the window's existing
/// key, scroll and mouse callbacks. `font_path` is a TrueType file (NULL or unreadable: ImGui's built-in
/// ProggyClean), rasterised at `font_pixels`. Returns 1 on success, 0 when a backend failed.
int bi_create(void* glfw_window, const char* font_path, float font_pixels);
/// True when the TrueType font was loaded (false: the built-in bitmap font is in use).
int bi_has_truetype_font(void);
void bi_destroy(void);

/// Starts a UI frame (reads the window's input); every widget call below goes between this and bi_render.
void bi_new_frame(void);
/// Draws the frame's UI into the current framebuffer.
void bi_render(void);
/// Whether the UI used the mouse / keyboard this frame (the scene must then leave the event alone).
int bi_wants_mouse(void);
int bi_wants_keyboard(void);

/// A window placed at (x, y) with size (w, h) in window pixels the first time it appears (`always`: every frame).
/// Returns 1 when its contents are visible (not collapsed); call bi_end either way.
int bi_begin(const char* title, float x, float y, float w, float h, int always);
void bi_end(void);
/// The current window's position and size (window pixels) and whether it is collapsed.
void bi_window_rect(float out[4], int* collapsed);
/// A borderless, input-transparent text window (status lines) anchored at (x, y); `pivot_x/y` 0 or 1 choose the corner.
void bi_overlay_begin(const char* id, float x, float y, float pivot_x, float pivot_y, float alpha);

/// Text drawn over everything at (x, y) window pixels, with a dark shadow so it reads on any background.
void bi_draw_text(float x, float y, float r, float g, float b, const char* text);
/// The size (window pixels) `text` takes in the UI font.
void bi_text_size(const char* text, float out[2]);

int bi_collapsing_header(const char* label, int default_open);
void bi_text(const char* text);
void bi_text_colored(float r, float g, float b, const char* text);
void bi_text_disabled(const char* text);
int bi_button(const char* label);
int bi_checkbox(const char* label, int* value);
int bi_radio(const char* label, int active);
int bi_selectable(const char* label, int selected);
/// A float slider; `log_scale` 1 for a logarithmic one. Returns 1 when the value changed.
int bi_slider(const char* label, float* value, float lo, float hi, const char* format, int log_scale);
void bi_same_line(void);
/// Continues the line at `x` window pixels from the window's left edge.
void bi_same_line_at(float x);
void bi_separator(void);
void bi_push_id(int id);
void bi_pop_id(void);
void bi_set_next_item_width(float width);
/// Width left in the current window's content region.
float bi_available_width(void);
/// Whether the last item is being held (a slider dragged).
int bi_item_active(void);

/// Uploads an RGB8 image into `texture` (0: creates one) and returns its name; bi_image draws it.
unsigned bi_texture_rgb(unsigned texture, const unsigned char* rgb, int width, int height);
void bi_texture_delete(unsigned texture);
void bi_image(unsigned texture, float width, float height);

#ifdef __cplusplus
}
#endif

#endif
