// Assimp (Debian's libassimp-dev) through its C API, with a file system that opens nothing outside one root
// directory: a mesh's companion files (OBJ's MTL, glTF's buffers) are read through it too.
#pragma once
#include <assimp/cfileio.h>
#include <assimp/cimport.h>
#include <assimp/material.h>
#include <assimp/postprocess.h>
#include <assimp/scene.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t benchtop_ai_read(struct aiFile* f, char* buffer, size_t size, size_t count) {
    return fread(buffer, size, count, (FILE*)f->UserData);
}
static size_t benchtop_ai_write(struct aiFile* f, const char* buffer, size_t size, size_t count) {
    (void)f;
    (void)buffer;
    (void)size;
    (void)count;
    return 0; // read-only
}
static size_t benchtop_ai_tell(struct aiFile* f) {
    return (size_t)ftell((FILE*)f->UserData);
}
static size_t benchtop_ai_size(struct aiFile* f) {
    FILE* file = (FILE*)f->UserData;
    long here = ftell(file);
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    fseek(file, here, SEEK_SET);
    return (size_t)size;
}
static enum aiReturn benchtop_ai_seek(struct aiFile* f, size_t offset, enum aiOrigin origin) {
    int whence = origin == aiOrigin_SET ? SEEK_SET : origin == aiOrigin_CUR ? SEEK_CUR : SEEK_END;
    return fseek((FILE*)f->UserData, (long)offset, whence) == 0 ? aiReturn_SUCCESS : aiReturn_FAILURE;
}
static void benchtop_ai_flush(struct aiFile* f) {
    (void)f;
}

/// Opens `path` for reading only if its real path lies under the root kept in the IO's user data.
static struct aiFile* benchtop_ai_open(struct aiFileIO* io, const char* path, const char* mode) {
    if (mode && strchr(mode, 'w')) return NULL;
    char resolved[PATH_MAX];
    if (!realpath(path, resolved)) return NULL;
    const char* root = io->UserData;
    size_t n = strlen(root);
    if (strncmp(resolved, root, n) != 0 || (resolved[n] != '/' && resolved[n] != 0)) return NULL;
    FILE* file = fopen(resolved, "rb");
    if (!file) return NULL;
    struct aiFile* f = (struct aiFile*)calloc(1, sizeof(struct aiFile));
    if (!f) {
        fclose(file);
        return NULL;
    }
    f->ReadProc = benchtop_ai_read;
    f->WriteProc = benchtop_ai_write;
    f->TellProc = benchtop_ai_tell;
    f->FileSizeProc = benchtop_ai_size;
    f->SeekProc = benchtop_ai_seek;
    f->FlushProc = benchtop_ai_flush;
    f->UserData = (aiUserData)file;
    return f;
}
static void benchtop_ai_close(struct aiFileIO* io, struct aiFile* f) {
    (void)io;
    if (!f) return;
    fclose((FILE*)f->UserData);
    free(f);
}

/// Imports a mesh file, reading only files under `root` (an absolute, real directory path). NULL on failure
/// (aiGetErrorString says why).
static inline const struct aiScene* benchtop_import(const char* path, const char* root, unsigned int flags) {
    struct aiFileIO io;
    io.OpenProc = benchtop_ai_open;
    io.CloseProc = benchtop_ai_close;
    io.UserData = (aiUserData)root;
    return aiImportFileEx(path, flags, &io);
}

/// The flags Benchtop reads meshes with: triangles only, node transforms applied, normals made when missing.
static inline unsigned int benchtop_import_flags(void) {
    return aiProcess_Triangulate | aiProcess_JoinIdenticalVertices | aiProcess_GenSmoothNormals |
           aiProcess_PreTransformVertices | aiProcess_SortByPType | aiProcess_ValidateDataStructure;
}

/// A material's diffuse colour (glTF's base colour first); 0 when it has none.
static inline int benchtop_material_color(const struct aiMaterial* material, float rgba[4]) {
    struct aiColor4D c;
    if (aiGetMaterialColor(material, "$clr.base", 0, 0, &c) != aiReturn_SUCCESS &&
        aiGetMaterialColor(material, AI_MATKEY_COLOR_DIFFUSE, &c) != aiReturn_SUCCESS)
        return 0;
    rgba[0] = c.r;
    rgba[1] = c.g;
    rgba[2] = c.b;
    rgba[3] = c.a;
    return 1;
}

/// The path of a material's diffuse texture map (OBJ's map_Kd, glTF's base colour texture; "*N" names the scene's
/// embedded texture N) into out; 0 when it has none.
static inline int benchtop_material_texture(const struct aiMaterial* material, char* out, size_t capacity) {
    struct aiString path;
    enum aiTextureType types[2] = {aiTextureType_BASE_COLOR, aiTextureType_DIFFUSE};
    for (int k = 0; k < 2; ++k) {
        if (aiGetMaterialTextureCount(material, types[k]) == 0) continue;
        if (aiGetMaterialTexture(material, types[k], 0, &path, NULL, NULL, NULL, NULL, NULL, NULL) != aiReturn_SUCCESS)
            continue;
        if (path.length == 0 || path.length + 1 > capacity) return 0;
        memcpy(out, path.data, path.length);
        out[path.length] = 0;
        return 1;
    }
    return 0;
}

/// An embedded texture's compressed file bytes (a GLB's PNG) and its format hint; 0 when it is not a compressed
/// file (Assimp gives raw texels with a non-zero height).
static inline int benchtop_embedded_texture(const struct aiScene* scene, unsigned int index,
                                            const unsigned char** bytes, size_t* count, const char** hint) {
    if (!scene || index >= scene->mNumTextures || !scene->mTextures[index]) return 0;
    const struct aiTexture* t = scene->mTextures[index];
    if (t->mHeight != 0) return 0;
    *bytes = (const unsigned char*)t->pcData;
    *count = t->mWidth;
    *hint = t->achFormatHint;
    return 1;
}

/// 1 for the material Assimp makes up when a file names none (or its MTL is missing): its grey is no colour of the
/// file's, so a URDF's own material colour should show instead.
static inline int benchtop_material_is_default(const struct aiMaterial* material) {
    struct aiString name;
    if (aiGetMaterialString(material, AI_MATKEY_NAME, &name) != aiReturn_SUCCESS) return 0;
    return strcmp(name.data, AI_DEFAULT_MATERIAL_NAME) == 0;
}
