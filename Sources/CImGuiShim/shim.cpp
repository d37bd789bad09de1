// The C face of Dear ImGui 1.86 for the viewer (see benchtop_imgui.h). Debian's libimgui.a carries the GLFW
// and OpenGL 3 backends, so this file only forwards calls; textures use OpenGL 1.1 entry points of libOpenGL.
#include "benchtop_imgui.h"

#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>

#include <GL/gl.h>
#include <stdio.h>

static bool truetype = false;

int bi_create(void* glfw_window, const char* font_path, float font_pixels) {
    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr; // no imgui.ini next to the user's files: layout is the viewer's
    ImGui::StyleColorsDark();
    ImGuiStyle& style = ImGui::GetStyle();
    style.WindowRounding = 4;
    style.FrameRounding = 3;
    style.GrabRounding = 3;
    style.WindowBorderSize = 0;
    style.Colors[ImGuiCol_WindowBg].w = 0.86f;
    truetype = false;
    if (font_path != nullptr) {
        FILE* f = fopen(font_path, "rb");
        if (f != nullptr) {
            fclose(f);
            truetype = io.Fonts->AddFontFromFileTTF(font_path, font_pixels) != nullptr;
        }
    }
    if (!truetype) {
        ImFontConfig config;
        config.SizePixels = font_pixels < 13 ? 13 : font_pixels; // ProggyClean is drawn for 13 px
        io.Fonts->AddFontDefault(&config);
    }
    if (!ImGui_ImplGlfw_InitForOpenGL(static_cast<GLFWwindow*>(glfw_window), true)) {
        ImGui::DestroyContext();
        return 0;
    }
    if (!ImGui_ImplOpenGL3_Init("#version 330 core")) {
        ImGui_ImplGlfw_Shutdown();
        ImGui::DestroyContext();
        return 0;
    }
    return 1;
}

int bi_has_truetype_font(void) {
    return truetype ? 1 : 0;
}

void bi_destroy(void) {
    if (ImGui::GetCurrentContext() == nullptr) return;
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
}

void bi_new_frame(void) {
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGui::NewFrame();
}

void bi_render(void) {
    ImGui::Render();
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

int bi_wants_mouse(void) {
    return ImGui::GetIO().WantCaptureMouse ? 1 : 0;
}
int bi_wants_keyboard(void) {
    return ImGui::GetIO().WantCaptureKeyboard ? 1 : 0;
}

int bi_begin(const char* title, float x, float y, float w, float h, int always) {
    ImGuiCond cond = always ? ImGuiCond_Always : ImGuiCond_FirstUseEver;
    ImGui::SetNextWindowPos(ImVec2(x, y), cond);
    ImGui::SetNextWindowSize(ImVec2(w, h), cond);
    return ImGui::Begin(title, nullptr, ImGuiWindowFlags_NoSavedSettings) ? 1 : 0;
}

void bi_end(void) {
    ImGui::End();
}

void bi_window_rect(float out[4], int* collapsed) {
    ImVec2 p = ImGui::GetWindowPos();
    ImVec2 s = ImGui::GetWindowSize();
    out[0] = p.x;
    out[1] = p.y;
    out[2] = s.x;
    out[3] = s.y;
    *collapsed = ImGui::IsWindowCollapsed() ? 1 : 0;
}

void bi_overlay_begin(const char* id, float x, float y, float pivot_x, float pivot_y, float alpha) {
    ImGui::SetNextWindowPos(ImVec2(x, y), ImGuiCond_Always, ImVec2(pivot_x, pivot_y));
    ImGui::SetNextWindowBgAlpha(alpha);
    ImGui::Begin(id, nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoSavedSettings |
                     ImGuiWindowFlags_NoFocusOnAppearing | ImGuiWindowFlags_NoNav | ImGuiWindowFlags_NoInputs);
}

void bi_draw_text(float x, float y, float r, float g, float b, const char* text) {
    ImDrawList* list = ImGui::GetForegroundDrawList();
    list->AddText(ImVec2(x + 1, y + 1), IM_COL32(0, 0, 0, 200), text);
    list->AddText(ImVec2(x, y), ImGui::ColorConvertFloat4ToU32(ImVec4(r, g, b, 1)), text);
}

void bi_text_size(const char* text, float out[2]) {
    ImVec2 s = ImGui::CalcTextSize(text);
    out[0] = s.x;
    out[1] = s.y;
}

int bi_collapsing_header(const char* label, int default_open) {
    return ImGui::CollapsingHeader(label, default_open ? ImGuiTreeNodeFlags_DefaultOpen : 0) ? 1 : 0;
}

void bi_text(const char* text) {
    ImGui::TextUnformatted(text);
}

void bi_text_colored(float r, float g, float b, const char* text) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(r, g, b, 1));
    ImGui::TextUnformatted(text);
    ImGui::PopStyleColor();
}

void bi_text_disabled(const char* text) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyle().Colors[ImGuiCol_TextDisabled]);
    ImGui::TextUnformatted(text);
    ImGui::PopStyleColor();
}

int bi_button(const char* label) {
    return ImGui::Button(label) ? 1 : 0;
}

int bi_checkbox(const char* label, int* value) {
    bool v = *value != 0;
    bool changed = ImGui::Checkbox(label, &v);
    *value = v ? 1 : 0;
    return changed ? 1 : 0;
}

int bi_radio(const char* label, int active) {
    return ImGui::RadioButton(label, active != 0) ? 1 : 0;
}

int bi_selectable(const char* label, int selected) {
    return ImGui::Selectable(label, selected != 0) ? 1 : 0;
}

int bi_slider(const char* label, float* value, float lo, float hi, const char* format, int log_scale) {
    return ImGui::SliderFloat(label, value, lo, hi, format, log_scale ? ImGuiSliderFlags_Logarithmic : 0) ? 1 : 0;
}

void bi_same_line(void) {
    ImGui::SameLine();
}
void bi_same_line_at(float x) {
    ImGui::SameLine(x);
}
void bi_separator(void) {
    ImGui::Separator();
}
void bi_push_id(int id) {
    ImGui::PushID(id);
}
void bi_pop_id(void) {
    ImGui::PopID();
}
void bi_set_next_item_width(float width) {
    ImGui::SetNextItemWidth(width);
}
float bi_available_width(void) {
    return ImGui::GetContentRegionAvail().x;
}
int bi_item_active(void) {
    return ImGui::IsItemActive() ? 1 : 0;
}

unsigned bi_texture_rgb(unsigned texture, const unsigned char* rgb, int width, int height) {
    GLuint name = texture;
    if (name == 0) {
        glGenTextures(1, &name);
        glBindTexture(GL_TEXTURE_2D, name);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
    }
    glBindTexture(GL_TEXTURE_2D, name);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1); // RGB rows are not 4-byte aligned
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGB, width, height, 0, GL_RGB, GL_UNSIGNED_BYTE, rgb);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    return name;
}

void bi_texture_delete(unsigned texture) {
    GLuint name = texture;
    if (name != 0) glDeleteTextures(1, &name);
}

void bi_image(unsigned texture, float width, float height) {
    ImGui::Image(reinterpret_cast<ImTextureID>(static_cast<uintptr_t>(texture)), ImVec2(width, height));
}
