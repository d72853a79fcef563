/* Message formatting, size limits, buffers and version reporting shared by all codecs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>
#include <jpeglib.h>

#include "codec_internal.h"

void cimg_set_message(char *msg, size_t msg_cap, const char *format, ...) {
    if (msg == NULL || msg_cap == 0) return;
    va_list args;
    va_start(args, format);
    int written = vsnprintf(msg, msg_cap, format, args);
    va_end(args);
    if (written < 0) msg[0] = '\0';
    /* Library messages are single lines already, but keep the one-line promise regardless. */
    for (char *p = msg; *p != '\0'; ++p) {
        if (*p == '\n' || *p == '\r') *p = ' ';
    }
}

cimg_status cimg_check_dimensions(uint64_t width, uint64_t height, uint64_t channels, char *msg, size_t msg_cap) {
    if (width == 0 || height == 0) {
        cimg_set_message(msg, msg_cap, "image has zero size (%llux%llu)",
                         (unsigned long long)width, (unsigned long long)height);
        return CIMG_ERR_CORRUPT;
    }
    /* Each factor is at most 2^32 here, so the product of the first two cannot overflow 64 bits; the
       side check below runs first so that the product with channels cannot either. */
    if (width > CIMG_MAX_SIDE || height > CIMG_MAX_SIDE ||
        width * height * channels > CIMG_MAX_BYTES) {
        cimg_set_message(msg, msg_cap,
                         "image is %llux%llu with %llu channels; the limit is %u pixels per side and 2^31 bytes",
                         (unsigned long long)width, (unsigned long long)height, (unsigned long long)channels,
                         CIMG_MAX_SIDE);
        return CIMG_ERR_TOO_LARGE;
    }
    return CIMG_OK;
}

cimg_status cimg_check_encode_args(const uint8_t *pixels, uint32_t width, uint32_t height, uint32_t channels,
                                   int allow_alpha, uint8_t **out_data, size_t *out_size,
                                   char *msg, size_t msg_cap) {
    if (out_data == NULL || out_size == NULL) {
        cimg_set_message(msg, msg_cap, "output pointers must not be null");
        return CIMG_ERR_ARGUMENT;
    }
    *out_data = NULL;
    *out_size = 0;
    if (pixels == NULL) {
        cimg_set_message(msg, msg_cap, "pixel buffer must not be null");
        return CIMG_ERR_ARGUMENT;
    }
    if (!(channels == 1 || channels == 3 || (allow_alpha && channels == 4))) {
        cimg_set_message(msg, msg_cap, "cannot encode %u channels (supported: %s)", channels,
                         allow_alpha ? "1, 3, 4" : "1, 3");
        return CIMG_ERR_ARGUMENT;
    }
    cimg_status status = cimg_check_dimensions(width, height, channels, msg, msg_cap);
    /* A zero-sized image is the caller's mistake here, not corrupt data. */
    return status == CIMG_ERR_CORRUPT ? CIMG_ERR_ARGUMENT : status;
}

int cimg_buffer_reserve(cimg_buffer *buffer, size_t extra) {
    if (extra <= buffer->capacity - buffer->size) return 0;
    if (extra > SIZE_MAX - buffer->size) return -1;
    size_t needed = buffer->size + extra;
    size_t capacity = buffer->capacity < 4096 ? 4096 : buffer->capacity;
    while (capacity < needed) {
        if (capacity > SIZE_MAX / 2) {
            capacity = needed;
            break;
        }
        capacity *= 2;
    }
    uint8_t *grown = realloc(buffer->data, capacity);
    if (grown == NULL) return -1;
    buffer->data = grown;
    buffer->capacity = capacity;
    return 0;
}

void cimg_free(void *buffer) { free(buffer); }

#define CIMG_STRINGIFY_(x) #x
#define CIMG_STRINGIFY(x) CIMG_STRINGIFY_(x)

const char *cimg_library_versions(void) {
#ifdef LIBJPEG_TURBO_VERSION
    return "libpng " PNG_LIBPNG_VER_STRING ", libjpeg-turbo " CIMG_STRINGIFY(LIBJPEG_TURBO_VERSION)
           " (libjpeg API " CIMG_STRINGIFY(JPEG_LIB_VERSION) ")";
#else
    return "libpng " PNG_LIBPNG_VER_STRING ", libjpeg " CIMG_STRINGIFY(JPEG_LIB_VERSION);
#endif
}
