/* JPEG decoding from memory into 8-bit gray or RGB via libjpeg(-turbo), with every libjpeg error caught. */
#include <stdlib.h>
#include <string.h>

#include "jpeg_internal.h"

/* After jpeglib.h: which messages exist depends on its jconfig.h settings. */
#include <jerror.h>

/* All decoder state lives in the caller's frame (see png_decode.c for why). */
typedef struct jpeg_decoder {
    struct jpeg_decompress_struct cinfo;
    cimg_jpeg_error error;
    struct jpeg_source_mgr source;
    const uint8_t *data;
    size_t size;
    cimg_status status; /* our own verdict when we stop without a libjpeg error */
    char message[CIMG_MESSAGE_MAX];
    uint8_t *pixels;
    uint8_t *cmyk_row;
    uint32_t width, height, channels, source_color, orientation;
} jpeg_decoder;

/* Source manager over the whole buffer. Unlike jpeg_mem_src, running out of data is an error rather than a
   warning followed by a fabricated EOI marker, so truncated files are reported instead of padded with gray. */
static void source_init(j_decompress_ptr cinfo) {
    jpeg_decoder *decoder = cinfo->client_data;
    cinfo->src->next_input_byte = decoder->data;
    cinfo->src->bytes_in_buffer = decoder->size;
}

static boolean source_fill(j_decompress_ptr cinfo) {
    jpeg_decoder *decoder = cinfo->client_data;
    decoder->error.truncated = 1;
    ERREXIT(cinfo, JERR_INPUT_EOF);
    return FALSE; /* not reached */
}

static void source_skip(j_decompress_ptr cinfo, long count) {
    if (count <= 0) return;
    struct jpeg_source_mgr *source = cinfo->src;
    if ((unsigned long)count > source->bytes_in_buffer) {
        source->next_input_byte += source->bytes_in_buffer;
        source->bytes_in_buffer = 0;
        source_fill(cinfo);
        return;
    }
    source->next_input_byte += count;
    source->bytes_in_buffer -= (size_t)count;
}

static void source_term(j_decompress_ptr cinfo) { (void)cinfo; }

static uint32_t find_orientation(j_decompress_ptr cinfo) {
    for (jpeg_saved_marker_ptr marker = cinfo->marker_list; marker != NULL; marker = marker->next) {
        if (marker->marker != JPEG_APP0 + 1) continue;
        uint32_t orientation = cimg_exif_orientation(marker->data, marker->data_length);
        if (orientation != 0) return orientation;
    }
    return 1;
}

static uint8_t multiply_255(unsigned a, unsigned b) { return (uint8_t)((a * b + 127) / 255); }

/* Naive CMYK -> RGB without a colour profile. Adobe-marked files store inverted ink amounts (Photoshop's
   convention, which libjpeg passes through), so there the stored bytes already equal 255 - ink. */
static void cmyk_to_rgb(const uint8_t *cmyk, uint8_t *rgb, uint32_t width, int inverted) {
    for (uint32_t x = 0; x < width; ++x, cmyk += 4, rgb += 3) {
        unsigned c = cmyk[0], m = cmyk[1], y = cmyk[2], k = cmyk[3];
        if (!inverted) {
            c = 255 - c;
            m = 255 - m;
            y = 255 - y;
            k = 255 - k;
        }
        rgb[0] = multiply_255(c, k);
        rgb[1] = multiply_255(m, k);
        rgb[2] = multiply_255(y, k);
    }
}

static void jpeg_decode_body(jpeg_decoder *decoder) {
    j_decompress_ptr cinfo = &decoder->cinfo;
    jpeg_save_markers(cinfo, JPEG_APP0 + 1, 0xFFFF); /* EXIF lives in APP1 */
    jpeg_read_header(cinfo, TRUE);
    decoder->orientation = find_orientation(cinfo);

    int cmyk = 0;
    switch (cinfo->jpeg_color_space) {
    case JCS_GRAYSCALE:
        decoder->source_color = CIMG_COLOR_GRAY;
        cinfo->out_color_space = JCS_GRAYSCALE;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        decoder->source_color = CIMG_COLOR_CMYK;
        cinfo->out_color_space = JCS_CMYK; /* libjpeg turns YCCK into CMYK; we do CMYK -> RGB */
        cmyk = 1;
        break;
    case JCS_RGB:
        decoder->source_color = CIMG_COLOR_RGB;
        cinfo->out_color_space = JCS_RGB;
        break;
    default:
        decoder->source_color = CIMG_COLOR_YCBCR;
        cinfo->out_color_space = JCS_RGB;
        break;
    }

    /* Bound the size before libjpeg allocates its (possibly whole-image, for progressive files) buffers. */
    uint64_t widest = cinfo->num_components > 4 ? (uint64_t)cinfo->num_components : 4;
    decoder->status = cimg_check_dimensions(cinfo->image_width, cinfo->image_height, widest,
                                            decoder->message, sizeof decoder->message);
    if (decoder->status != CIMG_OK) return;

    jpeg_start_decompress(cinfo);
    uint32_t width = cinfo->output_width, height = cinfo->output_height;
    uint32_t channels = cmyk ? 3 : (uint32_t)cinfo->output_components;
    if (!(channels == 1 || channels == 3) || (cmyk && cinfo->output_components != 4)) {
        cimg_set_message(decoder->message, sizeof decoder->message, "unexpected %d output components",
                         cinfo->output_components);
        decoder->status = CIMG_ERR_UNSUPPORTED;
        return;
    }

    size_t row_bytes = (size_t)width * channels;
    decoder->pixels = malloc(row_bytes * height);
    if (cmyk) decoder->cmyk_row = malloc((size_t)width * 4);
    if (decoder->pixels == NULL || (cmyk && decoder->cmyk_row == NULL)) {
        cimg_set_message(decoder->message, sizeof decoder->message, "out of memory for a %ux%u image",
                         (unsigned)width, (unsigned)height);
        decoder->status = CIMG_ERR_NO_MEMORY;
        return;
    }
    while (cinfo->output_scanline < height) {
        uint8_t *row = decoder->pixels + (size_t)cinfo->output_scanline * row_bytes;
        JSAMPROW target = cmyk ? decoder->cmyk_row : row;
        if (jpeg_read_scanlines(cinfo, &target, 1) != 1) {
            /* Only a suspending source returns 0 rows, and ours never suspends. */
            cimg_set_message(decoder->message, sizeof decoder->message, "decoder stalled at row %u",
                             (unsigned)cinfo->output_scanline);
            decoder->status = CIMG_ERR_CORRUPT;
            return;
        }
        if (cmyk) cmyk_to_rgb(decoder->cmyk_row, row, width, cinfo->saw_Adobe_marker);
    }
    /* Read through EOI so that data missing after the last scan line is still reported as truncation. */
    jpeg_finish_decompress(cinfo);

    decoder->width = width;
    decoder->height = height;
    decoder->channels = channels;
    decoder->status = CIMG_OK;
}

static int jpeg_decode_guarded(jpeg_decoder *decoder) {
    if (setjmp(decoder->error.jump)) return 0;
    jpeg_create_decompress(&decoder->cinfo);
    decoder->cinfo.client_data = decoder;
    decoder->source.init_source = source_init;
    decoder->source.fill_input_buffer = source_fill;
    decoder->source.skip_input_data = source_skip;
    decoder->source.resync_to_restart = jpeg_resync_to_restart;
    decoder->source.term_source = source_term;
    decoder->cinfo.src = &decoder->source;
    jpeg_decode_body(decoder);
    return 1;
}

cimg_status cimg_decode_jpeg(const uint8_t *data, size_t size, cimg_image *out, char *msg, size_t msg_cap) {
    if (out == NULL || (data == NULL && size > 0)) {
        cimg_set_message(msg, msg_cap, "null argument");
        return CIMG_ERR_ARGUMENT;
    }
    memset(out, 0, sizeof *out);
    if (size < 2 || data[0] != 0xFF || data[1] != 0xD8) {
        cimg_set_message(msg, msg_cap, "missing JPEG SOI marker");
        return CIMG_ERR_FORMAT;
    }

    jpeg_decoder *decoder = calloc(1, sizeof *decoder); /* ~1 KiB of libjpeg structs; keep stacks small */
    if (decoder == NULL) {
        cimg_set_message(msg, msg_cap, "out of memory creating the JPEG decoder");
        return CIMG_ERR_NO_MEMORY;
    }
    decoder->data = data;
    decoder->size = size;
    decoder->status = CIMG_ERR_CORRUPT;
    decoder->cinfo.err = cimg_jpeg_error_init(&decoder->error);

    cimg_status status;
    if (jpeg_decode_guarded(decoder)) {
        status = decoder->status;
    } else {
        status = cimg_jpeg_error_status(&decoder->error);
        cimg_set_message(decoder->message, sizeof decoder->message, "%s", decoder->error.message);
    }

    /* jpeg_destroy is safe in any state: after a longjmp out of the library, and (the struct being zeroed)
       even when jpeg_create_decompress itself failed. */
    jpeg_destroy_decompress(&decoder->cinfo);
    free(decoder->cmyk_row);
    if (status != CIMG_OK) {
        free(decoder->pixels);
        cimg_set_message(msg, msg_cap, "%s", decoder->message);
        free(decoder);
        return status;
    }
    out->pixels = decoder->pixels;
    out->width = decoder->width;
    out->height = decoder->height;
    out->channels = decoder->channels;
    out->source_color = decoder->source_color;
    out->source_bit_depth = 8;
    out->orientation = decoder->orientation;
    free(decoder);
    if (msg != NULL && msg_cap > 0) msg[0] = '\0';
    return CIMG_OK;
}
