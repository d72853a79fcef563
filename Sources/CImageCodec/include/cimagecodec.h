/*
 * cimagecodec — PNG and JPEG to/from memory through libpng and libjpeg(-turbo), behind a plain C ABI.
 *
 * Contract shared by every entry point:
 *  - Inputs are memory buffers; nothing touches the file system, stdout or stderr.
 *  - Library errors (libpng/libjpeg use longjmp) are caught inside the call and turned into a cimg_status plus a
 *    NUL-terminated one-line message written to `msg` (at most `msg_cap` bytes, truncated if needed; may be NULL).
 *  - On success, output buffers are malloc'd and owned by the caller: release them with cimg_free().
 *    On failure nothing is allocated (all partial state is freed) and outputs are zeroed.
 *  - Decoded pixels are 8-bit, interleaved (HWC), rows packed without padding: size = width * height * channels.
 *  - Dimensions are bounded before any pixel buffer is allocated: each side <= CIMG_MAX_SIDE and
 *    width * height * channels <= CIMG_MAX_BYTES, otherwise CIMG_ERR_TOO_LARGE.
 *  - No colour management: gAMA/sRGB/iCCP in PNG and ICC profiles in JPEG are ignored.
 *  - All functions are reentrant (no global state); different threads may call them concurrently.
 */
#ifndef CIMAGECODEC_H
#define CIMAGECODEC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CIMG_MAX_SIDE 65535u
#define CIMG_MAX_BYTES 2147483648ull /* 2^31 */

typedef enum cimg_status {
    CIMG_OK = 0,
    CIMG_ERR_ARGUMENT = 1,    /* invalid call: null pointer, bad channel count, quality out of range, ... */
    CIMG_ERR_FORMAT = 2,      /* not this format at all (bad signature / no SOI marker) */
    CIMG_ERR_TRUNCATED = 3,   /* data ends before the image is complete */
    CIMG_ERR_CORRUPT = 4,     /* the library rejected the data */
    CIMG_ERR_UNSUPPORTED = 5, /* valid file, but a variant we do not decode (e.g. 12-bit JPEG) */
    CIMG_ERR_TOO_LARGE = 6,   /* dimensions exceed CIMG_MAX_SIDE / CIMG_MAX_BYTES */
    CIMG_ERR_NO_MEMORY = 7
} cimg_status;

/* Colour model as stored in the file, before expansion to 8-bit gray / RGB / RGBA. */
typedef enum cimg_source_color {
    CIMG_COLOR_GRAY = 1,
    CIMG_COLOR_GRAY_ALPHA = 2,
    CIMG_COLOR_RGB = 3,
    CIMG_COLOR_RGBA = 4,
    CIMG_COLOR_PALETTE = 5,
    CIMG_COLOR_CMYK = 6,  /* JPEG CMYK or YCCK; converted to RGB */
    CIMG_COLOR_YCBCR = 7  /* JPEG YCbCr; converted to RGB */
} cimg_source_color;

typedef struct cimg_image {
    uint8_t *pixels;           /* width * height * channels bytes; free with cimg_free() */
    uint32_t width;
    uint32_t height;
    uint32_t channels;         /* 1 (gray), 3 (RGB) or 4 (RGBA) */
    uint32_t source_color;     /* a cimg_source_color */
    uint32_t source_bit_depth; /* bits per sample as stored (PNG 1/2/4/8/16, JPEG 8) */
    uint32_t orientation;      /* EXIF orientation 1...8 found in a JPEG APP1 segment; 1 when absent/invalid.
                                  Not applied to the pixels: the caller decides. */
} cimg_image;

/*
 * Decode a PNG. Output channels: gray -> 1; gray+alpha -> 4 (gray replicated into RGB); RGB -> 3; RGBA -> 4;
 * palette -> 3, or 4 when it has a tRNS chunk; a tRNS colour key on gray/RGB becomes an alpha channel.
 * 16-bit samples are scaled to 8-bit with rounding; 1/2/4-bit gray is scaled to the full 0...255 range.
 * Interlaced (Adam7) images are supported. The file must be complete up to IEND.
 */
cimg_status cimg_decode_png(const uint8_t *data, size_t size, cimg_image *out, char *msg, size_t msg_cap);

/*
 * Decode a baseline or progressive 8-bit JPEG. Output channels: gray -> 1, YCbCr/RGB -> 3,
 * CMYK/YCCK -> 3 (naive conversion without ICC; Adobe-marked files are taken as inverted CMYK, as Photoshop
 * writes them). Data that ends before the EOI marker is CIMG_ERR_TRUNCATED; entropy-coded data that libjpeg
 * reports as corrupt (bad Huffman code, premature end of segment) is CIMG_ERR_CORRUPT rather than a gray smear.
 */
cimg_status cimg_decode_jpeg(const uint8_t *data, size_t size, cimg_image *out, char *msg, size_t msg_cap);

/*
 * Encode 8-bit interleaved pixels (channels 1, 3 or 4; rows packed) as a PNG (zlib level 6, no interlace).
 * On success *out_data (free with cimg_free) holds *out_size bytes.
 */
cimg_status cimg_encode_png(const uint8_t *pixels, uint32_t width, uint32_t height, uint32_t channels,
                            uint8_t **out_data, size_t *out_size, char *msg, size_t msg_cap);

/*
 * Encode 8-bit interleaved pixels (channels 1 or 3; composite or drop alpha before calling) as a baseline JPEG
 * with a JFIF header. quality is 1...100. subsample_chroma != 0 selects 4:2:0 chroma (smaller files),
 * 0 selects 4:4:4 (no colour bleeding; better for comparing images).
 */
cimg_status cimg_encode_jpeg(const uint8_t *pixels, uint32_t width, uint32_t height, uint32_t channels,
                             int quality, int subsample_chroma,
                             uint8_t **out_data, size_t *out_size, char *msg, size_t msg_cap);

/* Release a buffer returned by this library (NULL is fine). */
void cimg_free(void *buffer);

/* The libpng and libjpeg versions this library was compiled against, e.g. "libpng 1.6.39, libjpeg-turbo 2.1.5
   (libjpeg API 62)". Static string; do not free. */
const char *cimg_library_versions(void);

#ifdef __cplusplus
}
#endif

#endif /* CIMAGECODEC_H */
