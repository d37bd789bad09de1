/// GLSL 3.30 core sources. One scene program writes colour, metric depth and body id in a single pass
/// (three framebuffer attachments), so depth needs no separate linearisation pass or CPU loop.
enum Shaders {
    /// Per-vertex: position, normal, texture coordinates (textured meshes only). Per-instance: model matrix (4 columns), 1/scale^2 (for normals under
    /// non-uniform scale), colour + texture kind, body id.
    static let sceneVertex = """
        #version 330 core
        layout(location = 0) in vec3 aPosition;
        layout(location = 1) in vec3 aNormal;
        layout(location = 2) in vec4 iModel0;
        layout(location = 3) in vec4 iModel1;
        layout(location = 4) in vec4 iModel2;
        layout(location = 5) in vec4 iModel3;
        layout(location = 6) in vec3 iInverseScale2;
        layout(location = 7) in vec4 iColor;
        layout(location = 8) in int iBody;
        layout(location = 9) in vec2 aUV;
        uniform mat4 uView;
        uniform mat4 uProjection;
        uniform mat4 uLightViewProjection;
        out vec3 vWorld;
        out vec3 vNormal;
        out vec3 vLocal;
        out vec3 vColor;
        out float vDepth;
        out vec4 vLight;
        out vec2 vUV;
        flat out int vTexture;
        flat out int vBody;
        void main() {
            mat4 model = mat4(iModel0, iModel1, iModel2, iModel3);
            vec4 world = model * vec4(aPosition, 1.0);
            vec4 view = uView * world;
            vWorld = world.xyz;
            vNormal = mat3(model) * (aNormal * iInverseScale2);
            vLocal = aPosition * inversesqrt(iInverseScale2);
            vColor = iColor.rgb;
            vTexture = int(iColor.a + 0.5);
            vBody = iBody;
            vUV = vec2(aUV.x, 1.0 - aUV.y);   // files put v = 0 at the image's bottom row; the texture's first row is its top
            vDepth = -view.z;
            vLight = uLightViewProjection * world;
            gl_Position = uProjection * view;
        }
        """

    /// The scene fragment program specialised for a light set and one texture code: constant loop bounds let
    /// llvmpipe unroll the light loop, and the key light's shadow lookup leaves the loop (texture fetches in
    /// divergent flow cost more there). The texture code is a constant because llvmpipe shades eight fragments in
    /// lock-step and runs every branch under a mask: with the code as an input, each fragment paid for every
    /// pattern (wood, noise, tiles, the image lookup, ...); as a constant, the compiler drops all but one.
    static func sceneFragment(lightCount: Int, shadowLight: Int, texture: Int) -> String {
        sceneFragmentBody
            .replacingOccurrences(
                of: "#version 330 core\n",
                with: "#version 330 core\n#define LIGHT_COUNT \(max(lightCount, 0))\n#define SHADOW_LIGHT \(shadowLight)\n"
            )
            .replacingOccurrences(of: "flat in int vTexture;", with: "const int vTexture = \(texture);")
    }

    private static let sceneFragmentBody = """
        #version 330 core
        in vec3 vWorld;
        in vec3 vNormal;
        in vec3 vLocal;
        in vec3 vColor;
        in float vDepth;
        in vec4 vLight;
        in vec2 vUV;
        flat in int vTexture;
        flat in int vBody;
        layout(location = 0) out vec4 oColor;
        layout(location = 1) out float oDepth;
        layout(location = 2) out int oBody;
        uniform vec3 uEye;
        uniform vec3 uLightDirection[4];
        uniform vec3 uLightColor[4];
        uniform sampler2DShadow uShadowMap;
        uniform float uShadowBias;
        uniform vec3 uSky;
        uniform vec3 uGround;
        uniform sampler2D uDiffuse;   // a textured mesh's image (texture code 9)

        float hash(vec3 p) {
            p = fract(p * 0.3183099 + 0.1);
            p *= 17.0;
            return fract(p.x * p.y * p.z * (p.x + p.y + p.z));
        }
        float valueNoise(vec3 x) {
            vec3 i = floor(x);
            vec3 f = fract(x);
            f = f * f * (3.0 - 2.0 * f);
            return mix(mix(mix(hash(i + vec3(0, 0, 0)), hash(i + vec3(1, 0, 0)), f.x),
                           mix(hash(i + vec3(0, 1, 0)), hash(i + vec3(1, 1, 0)), f.x), f.y),
                       mix(mix(hash(i + vec3(0, 0, 1)), hash(i + vec3(1, 0, 1)), f.x),
                           mix(hash(i + vec3(0, 1, 1)), hash(i + vec3(1, 1, 1)), f.x), f.y), f.z);
        }
        // Two-dimensional value noise for patterns that vary only across a surface: four corners instead of eight.
        float valueNoise(vec2 x) {
            vec2 i = floor(x);
            vec2 f = fract(x);
            f = f * f * (3.0 - 2.0 * f);
            return mix(mix(hash(vec3(i, 0.0)), hash(vec3(i + vec2(1, 0), 0.0)), f.x),
                       mix(hash(vec3(i + vec2(0, 1), 0.0)), hash(vec3(i + vec2(1, 1), 0.0)), f.x), f.y);
        }
        float fbm(vec3 p) {
            return 0.5 * valueNoise(p) + 0.25 * valueNoise(p * 2.03) + 0.125 * valueNoise(p * 4.01);
        }

        // Procedural textures in the part's own (scaled) frame, so they move with the body.
        vec3 albedo() {
            vec3 p = vLocal;
            if (vTexture == 0) return vColor;   // most bodies: no pattern work at all
            if (vTexture == 9) return texture(uDiffuse, vUV).rgb;   // a mesh material's image map
            if (vTexture >= 5) {            // object patterns: the colour and a light tint of it, in the part's frame
                vec3 tint = mix(vColor, vec3(0.95), 0.65);
                if (vTexture == 5) {        // stripes: 1.2 cm bands along the part's z
                    return fract(p.z / 0.012) < 0.5 ? vColor : tint;
                } else if (vTexture == 6) { // checker: 1.5 cm cells
                    vec3 c = floor(p / 0.015);
                    return mod(c.x + c.y + c.z, 2.0) < 0.5 ? vColor : tint;
                } else if (vTexture == 7) { // dots: 2 cm lattice of 1.1 cm discs
                    vec3 d = fract(p / 0.02) - 0.5;
                    return dot(d, d) < 0.078 ? tint : vColor;
                }
                return mix(vColor, tint, smoothstep(0.35, 0.65, fbm(p * 90.0)));   // noise: mottled blotches
            }
            if (vTexture == 1) {            // wood: 12 cm planks along x, each with its own tint and warped grain
                float plank = floor(p.y / 0.12);
                float seed = hash(vec3(plank, 7.0, 3.0));
                float along = p.x + seed * 4.0;
                float warp = valueNoise(vec2(along * 2.0, p.y * 9.0 + seed * 53.0));
                float rings = fract((p.y + warp * 0.05) * 60.0 + along * 0.8 * (seed - 0.5));
                float grain = smoothstep(0.1, 0.5, rings) * smoothstep(0.95, 0.55, rings);
                float streak = valueNoise(vec2(along * 6.0, p.y * 250.0 + seed * 97.0));
                float seam = smoothstep(0.0, 0.004, fract(p.y / 0.12) * 0.12) * smoothstep(0.0, 0.004, 0.12 - fract(p.y / 0.12) * 0.12);
                return vColor * (0.8 + 0.2 * seed) * (0.84 + 0.16 * grain) * (0.9 + 0.2 * streak) * (0.6 + 0.4 * seam);
            } else if (vTexture == 2) {     // checker: 10 cm squares
                vec2 c = floor(p.xy / 0.1);
                return mod(c.x + c.y, 2.0) < 0.5 ? vColor : vColor * 0.55;
            } else if (vTexture == 3) {     // noise: mottled surface
                return vColor * (0.7 + 0.6 * fbm(p * 25.0));
            } else if (vTexture == 4) {     // floor: 50 cm tiles with faint grout lines
                vec2 t = fract(vWorld.xy / 0.5);
                float grout = step(0.02, t.x) * step(0.02, t.y);
                return vColor * (0.8 + 0.2 * grout) * (0.93 + 0.14 * valueNoise(vWorld.xy * 3.0));
            }
            return vColor;
        }

        float shadow() {
            vec3 s = vLight.xyz / vLight.w * 0.5 + 0.5;
            if (s.x <= 0.0 || s.x >= 1.0 || s.y <= 0.0 || s.y >= 1.0 || s.z >= 1.0) return 1.0;
            // One bilinear comparison: a 2x2-texel percentage-closer filter. A texel (about 1.5 mm on the table) is far
            // below a 256x256 camera's pixel, so wider filters cost a fetch each for no visible change.
            // Explicit level 0: the map has one level, and llvmpipe then skips the per-quad level-of-detail work.
            return textureLod(uShadowMap, vec3(s.xy, s.z - uShadowBias), 0.0);
        }

        void main() {
            vec3 n = normalize(vNormal);
            vec3 v = normalize(uEye - vWorld);
            if (dot(n, v) < 0.0) n = -n;
            vec3 base = albedo();
            vec3 light = base * mix(uGround, uSky, 0.5 + 0.5 * n.z);
        #if SHADOW_LIGHT >= 0
            float keyVisible = shadow();
        #endif
            for (int i = 0; i < LIGHT_COUNT; i++) {
                vec3 l = -uLightDirection[i];
                float diffuse = max(dot(n, l), 0.0);
                if (diffuse <= 0.0) continue;
        #if SHADOW_LIGHT >= 0
                float visible = (i == SHADOW_LIGHT) ? keyVisible : 1.0;
        #else
                float visible = 1.0;
        #endif
                vec3 h = normalize(l + v);
                // x^48 by squaring (x^32 * x^16): llvmpipe evaluates pow() as exp2(48 * log2(x)), several times dearer.
                float x1 = max(dot(n, h), 0.0), x2 = x1 * x1, x4 = x2 * x2, x8 = x4 * x4, x16 = x8 * x8;
                float specular = x16 * x16 * x16 * 0.25;
                light += uLightColor[i] * visible * (base * diffuse + vec3(specular));
            }
            oColor = vec4(clamp(light, 0.0, 1.0), 1.0);
            oDepth = vDepth;
            oBody = vBody;
        }
        """

    static let shadowVertex = """
        #version 330 core
        layout(location = 0) in vec3 aPosition;
        layout(location = 2) in vec4 iModel0;
        layout(location = 3) in vec4 iModel1;
        layout(location = 4) in vec4 iModel2;
        layout(location = 5) in vec4 iModel3;
        uniform mat4 uLightViewProjection;
        void main() {
            gl_Position = uLightViewProjection * mat4(iModel0, iModel1, iModel2, iModel3) * vec4(aPosition, 1.0);
        }
        """

    static let shadowFragment = """
        #version 330 core
        void main() {}
        """

    // MARK: - Overlays (2D, in window pixels)

    static let overlayVertex = """
        #version 330 core
        layout(location = 0) in vec2 aPixel;
        layout(location = 1) in vec2 aTexCoord;
        layout(location = 2) in vec4 aColor;
        uniform vec2 uViewport;
        out vec2 vTexCoord;
        out vec4 vColor;
        void main() {
            vTexCoord = aTexCoord;
            vColor = aColor;
            gl_Position = vec4(aPixel.x / uViewport.x * 2.0 - 1.0, 1.0 - aPixel.y / uViewport.y * 2.0, 0.0, 1.0);
        }
        """

    /// Modes: 0 solid colour, 1 RGB texture, 2 metric depth texture through a colour map texture, 3 glyph mask.
    static let overlayFragment = """
        #version 330 core
        in vec2 vTexCoord;
        in vec4 vColor;
        out vec4 oColor;
        uniform int uMode;
        uniform sampler2D uTexture;
        uniform vec2 uDepthRange;
        uniform sampler2D uColormap;   // 256 x 1, index 0 = near, 255 = far (supplied by the caller)
        void main() {
            if (uMode == 1) {
                oColor = vec4(texture(uTexture, vTexCoord).rgb, 1.0);
            } else if (uMode == 2) {
                float d = texture(uTexture, vTexCoord).r;
                float t = (d - uDepthRange.x) / (uDepthRange.y - uDepthRange.x);
                oColor = vec4(texture(uColormap, vec2(clamp(t, 0.0, 1.0) * (255.0 / 256.0) + 0.5 / 256.0, 0.5)).rgb, 1.0);
            } else if (uMode == 3) {
                oColor = vec4(vColor.rgb, vColor.a * texture(uTexture, vTexCoord).r);
            } else {
                oColor = vColor;
            }
        }
        """
}
