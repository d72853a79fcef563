/* PNG decoding from memory into 8-bit gray / RGB / RGBA via libpng, with every libpng error caught. */
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

#include "codec_internal.h"

/* Everything the decoder touches lives here, in the caller's frame, so that nothing is indeterminate after
   libpng longjmps out of the guarded function (C11 7.13.2.1 only covers locals of the setjmp caller). */
typedef struct png_decoder {
    png_structp png;
    png_infop info;
    const uint8_t *data;
    size_t size;
    size_t position;
    int truncated;          /* set when libpng asked for bytes past the end of the buffer */
    char message[CIMG_MESSAGE_MAX];
    cimg_status status;     /* our own verdict when we stop without a libpng error */
    uint8_t *pixels;
    png_bytep *rows;
    uint32_t width, height, channels, source_color, source_bit_depth;
} png_decoder;

static void png_decoder_error(png_structp png, png_const_charp text) {
    png_decoder *decoder = png_get_error_ptr(png);
    cimg_set_message(decoder->message, sizeof decoder->message, "%s", text ? text : "unknown libpng error");
    png_longjmp(png, 1);
}

/* Warnings (bad ancillary CRCs, odd sRGB profiles, ...) do not stop decoding and must not reach stderr. */
static void png_decoder_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

static void png_decoder_read(png_structp png, png_bytep out, size_t count) {
    png_decoder *decoder = png_get_io_ptr(png);
    if (count > decoder->size - decoder->position) {
        decoder->truncated = 1;
        png_error(png, "data ends before IEND");
    }
    memcpy(out, decoder->data + decoder->position, count);
    decoder->position += count;
}

static uint32_t source_color_of(int color_type) {
    switch (color_type) {
    case PNG_COLOR_TYPE_GRAY: return CIMG_COLOR_GRAY;
    case PNG_COLOR_TYPE_GRAY_ALPHA: return CIMG_COLOR_GRAY_ALPHA;
    case PNG_COLOR_TYPE_RGB: return CIMG_COLOR_RGB;
    case PNG_COLOR_TYPE_RGB_ALPHA: return CIMG_COLOR_RGBA;
    default: return CIMG_COLOR_PALETTE;
    }
}

/* The part of decoding during which libpng may longjmp. Returns normally with decoder->status set. */
static void png_decode_body(png_decoder *decoder) {
    png_structp png = decoder->png;
    png_infop info = decoder->info;

    png_read_info(png, info);
    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0;
    png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, NULL, NULL, NULL);
    decoder->source_color = source_color_of(color_type);
    decoder->source_bit_depth = (uint32_t)bit_depth;

    /* Normalise every PNG flavour to 8-bit gray, RGB or RGBA. */
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    int has_transparency = png_get_valid(png, info, PNG_INFO_tRNS) != 0;
    if (has_transparency) png_set_tRNS_to_alpha(png);
    if (bit_depth == 16) png_set_scale_16(png); /* rounds, unlike png_set_strip_16 which truncates */
    int gray_with_alpha = color_type == PNG_COLOR_TYPE_GRAY_ALPHA ||
                          (color_type == PNG_COLOR_TYPE_GRAY && has_transparency);
    if (gray_with_alpha) png_set_gray_to_rgb(png); /* 2-channel images are not a shape callers handle */
    png_set_interlace_handling(png);

    /* Check the size before libpng or we allocate anything proportional to it. Four channels is the
       widest output, so the check holds whatever the transformations produce. */
    decoder->status = cimg_check_dimensions(width, height, 4, decoder->message, sizeof decoder->message);
    if (decoder->status != CIMG_OK) return;

    png_read_update_info(png, info);
    uint32_t channels = png_get_channels(png, info);
    size_t row_bytes = png_get_rowbytes(png, info);
    if (png_get_bit_depth(png, info) != 8 || !(channels == 1 || channels == 3 || channels == 4) ||
        row_bytes != (size_t)width * channels) {
        cimg_set_message(decoder->message, sizeof decoder->message,
                         "unexpected layout after expansion (%u channels, %d bits)", channels,
                         png_get_bit_depth(png, info));
        decoder->status = CIMG_ERR_UNSUPPORTED;
        return;
    }

    decoder->pixels = malloc(row_bytes * height);
    decoder->rows = malloc(sizeof(png_bytep) * height);
    if (decoder->pixels == NULL || decoder->rows == NULL) {
        cimg_set_message(decoder->message, sizeof decoder->message, "out of memory for a %ux%u image",
                         (unsigned)width, (unsigned)height);
        decoder->status = CIMG_ERR_NO_MEMORY;
        return;
    }
    for (png_uint_32 y = 0; y < height; ++y) decoder->rows[y] = decoder->pixels + (size_t)y * row_bytes;
    png_read_image(png, decoder->rows);
    /* Read through IEND so that truncation and CRC errors after the image data are still reported. */
    png_read_end(png, NULL);

    decoder->width = width;
    decoder->height = height;
    decoder->channels = channels;
    decoder->status = CIMG_OK;
}

/* setjmp lives in its own small function: everything it needs after a longjmp is behind `decoder`. */
static int png_decode_guarded(png_decoder *decoder) {
    if (setjmp(png_jmpbuf(decoder->png))) return 0;
    png_decode_body(decoder);
    return 1;
}

cimg_status cimg_decode_png(const uint8_t *data, size_t size, cimg_image *out, char *msg, size_t msg_cap) {
    if (out == NULL || (data == NULL && size > 0)) {
        cimg_set_message(msg, msg_cap, "null argument");
        return CIMG_ERR_ARGUMENT;
    }
    memset(out, 0, sizeof *out);
    if (size < 8 || png_sig_cmp((png_const_bytep)data, 0, 8) != 0) {
        if (size < 8 && size > 0 && png_sig_cmp((png_const_bytep)data, 0, size) == 0) {
            cimg_set_message(msg, msg_cap, "data ends inside the PNG signature (%zu bytes)", size);
            return CIMG_ERR_TRUNCATED;
        }
        cimg_set_message(msg, msg_cap, "missing PNG signature");
        return CIMG_ERR_FORMAT;
    }

    png_decoder decoder;
    memset(&decoder, 0, sizeof decoder);
    decoder.data = data;
    decoder.size = size;
    decoder.status = CIMG_ERR_CORRUPT;

    decoder.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &decoder, png_decoder_error, png_decoder_warning);
    if (decoder.png != NULL) decoder.info = png_create_info_struct(decoder.png);
    if (decoder.png == NULL || decoder.info == NULL) {
        png_destroy_read_struct(decoder.png ? &decoder.png : NULL, NULL, NULL);
        cimg_set_message(msg, msg_cap, "out of memory creating the PNG decoder");
        return CIMG_ERR_NO_MEMORY;
    }
    png_set_read_fn(decoder.png, &decoder, png_decoder_read);

    cimg_status status;
    if (png_decode_guarded(&decoder)) {
        status = decoder.status;
    } else {
        status = decoder.truncated ? CIMG_ERR_TRUNCATED : CIMG_ERR_CORRUPT;
    }

    png_destroy_read_struct(&decoder.png, &decoder.info, NULL);
    free(decoder.rows);
    if (status != CIMG_OK) {
        free(decoder.pixels);
        cimg_set_message(msg, msg_cap, "%s", decoder.message);
        return status;
    }
    out->pixels = decoder.pixels;
    out->width = decoder.width;
    out->height = decoder.height;
    out->channels = decoder.channels;
    out->source_color = decoder.source_color;
    out->source_bit_depth = decoder.source_bit_depth;
    out->orientation = 1;
    if (msg != NULL && msg_cap > 0) msg[0] = '\0';
    return CIMG_OK;
}
