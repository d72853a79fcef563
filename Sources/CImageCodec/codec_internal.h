/* Helpers shared by the PNG and JPEG halves of cimagecodec. Not part of the public ABI. */
#ifndef CIMAGECODEC_INTERNAL_H
#define CIMAGECODEC_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "cimagecodec.h"

/* Library message buffers are copied here first; 200 bytes is more than any libpng/libjpeg message. */
#define CIMG_MESSAGE_MAX 200

/* printf into the caller's message buffer; tolerates msg == NULL or msg_cap == 0. */
void cimg_set_message(char *msg, size_t msg_cap, const char *format, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* CIMG_OK when a width x height x channels image is allowed, CIMG_ERR_TOO_LARGE (with a message) otherwise. */
cimg_status cimg_check_dimensions(uint64_t width, uint64_t height, uint64_t channels, char *msg, size_t msg_cap);

/* Validation shared by the encoders: non-null buffers, sane sizes, supported channel count. */
cimg_status cimg_check_encode_args(const uint8_t *pixels, uint32_t width, uint32_t height, uint32_t channels,
                                   int allow_alpha, uint8_t **out_data, size_t *out_size,
                                   char *msg, size_t msg_cap);

/* Growable byte buffer that encoders write into; the caller takes `data` on success or frees it on failure. */
typedef struct cimg_buffer {
    uint8_t *data;
    size_t size;
    size_t capacity;
} cimg_buffer;

/* Ensure room for `extra` more bytes; 0 on success, -1 when out of memory or on size overflow. */
int cimg_buffer_reserve(cimg_buffer *buffer, size_t extra);

/* EXIF orientation (1...8) from an APP1 payload that starts with "Exif\0\0"; 0 when absent or malformed. */
uint32_t cimg_exif_orientation(const uint8_t *payload, size_t size);

#endif
