/* PNG encoding of 8-bit gray / RGB / RGBA pixels into a memory buffer via libpng. */
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

#include "codec_internal.h"

/* State reachable after a longjmp (see png_decode.c). */
typedef struct png_encoder {
    png_structp png;
    png_infop info;
    cimg_buffer output;
    char message[CIMG_MESSAGE_MAX];
    const uint8_t *pixels;
    uint32_t width, height, channels;
} png_encoder;

static void png_encoder_error(png_structp png, png_const_charp text) {
    png_encoder *encoder = png_get_error_ptr(png);
    cimg_set_message(encoder->message, sizeof encoder->message, "%s", text ? text : "unknown libpng error");
    png_longjmp(png, 1);
}

static void png_encoder_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

static void png_encoder_write(png_structp png, png_bytep data, size_t count) {
    png_encoder *encoder = png_get_io_ptr(png);
    if (cimg_buffer_reserve(&encoder->output, count) != 0) png_error(png, "out of memory for the PNG output");
    memcpy(encoder->output.data + encoder->output.size, data, count);
    encoder->output.size += count;
}

static void png_encoder_flush(png_structp png) { (void)png; }

static void png_encode_body(png_encoder *encoder) {
    static const int color_types[5] = {0, PNG_COLOR_TYPE_GRAY, 0, PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};
    png_structp png = encoder->png;
    png_set_IHDR(png, encoder->info, encoder->width, encoder->height, 8, color_types[encoder->channels],
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(png, 6);
    png_write_info(png, encoder->info);
    size_t row_bytes = (size_t)encoder->width * encoder->channels;
    for (uint32_t y = 0; y < encoder->height; ++y) {
        /* libpng does not modify rows when no write transformations are set; the cast only drops const. */
        png_write_row(png, (png_bytep)(encoder->pixels + (size_t)y * row_bytes));
    }
    png_write_end(png, NULL);
}

static int png_encode_guarded(png_encoder *encoder) {
    if (setjmp(png_jmpbuf(encoder->png))) return 0;
    png_encode_body(encoder);
    return 1;
}

cimg_status cimg_encode_png(const uint8_t *pixels, uint32_t width, uint32_t height, uint32_t channels,
                            uint8_t **out_data, size_t *out_size, char *msg, size_t msg_cap) {
    cimg_status status = cimg_check_encode_args(pixels, width, height, channels, 1, out_data, out_size, msg, msg_cap);
    if (status != CIMG_OK) return status;

    png_encoder encoder;
    memset(&encoder, 0, sizeof encoder);
    encoder.pixels = pixels;
    encoder.width = width;
    encoder.height = height;
    encoder.channels = channels;

    encoder.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &encoder, png_encoder_error, png_encoder_warning);
    if (encoder.png != NULL) encoder.info = png_create_info_struct(encoder.png);
    if (encoder.png == NULL || encoder.info == NULL) {
        png_destroy_write_struct(encoder.png ? &encoder.png : NULL, NULL);
        cimg_set_message(msg, msg_cap, "out of memory creating the PNG encoder");
        return CIMG_ERR_NO_MEMORY;
    }
    png_set_write_fn(encoder.png, &encoder, png_encoder_write, png_encoder_flush);

    int ok = png_encode_guarded(&encoder);
    png_destroy_write_struct(&encoder.png, &encoder.info);
    if (!ok) {
        free(encoder.output.data);
        cimg_set_message(msg, msg_cap, "%s", encoder.message);
        /* The inputs were validated, so the only way libpng fails here is running out of memory. */
        return CIMG_ERR_NO_MEMORY;
    }
    *out_data = encoder.output.data;
    *out_size = encoder.output.size;
    if (msg != NULL && msg_cap > 0) msg[0] = '\0';
    return CIMG_OK;
}
