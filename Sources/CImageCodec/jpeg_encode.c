/* JPEG encoding of 8-bit gray / RGB pixels into a memory buffer via libjpeg(-turbo). */
#include <stdlib.h>
#include <string.h>

#include "jpeg_internal.h"

/* After jpeglib.h: which messages exist depends on its jconfig.h settings. */
#include <jerror.h>

/* State reachable after a longjmp (see png_decode.c). */
typedef struct jpeg_encoder {
    struct jpeg_compress_struct cinfo;
    cimg_jpeg_error error;
    struct jpeg_destination_mgr destination;
    cimg_buffer output;
} jpeg_encoder;

/* Destination manager over a buffer we own. jpeg_mem_dest is not used because, when compression fails, the
   buffer it last grew into is unreachable from the caller and would leak. */
static void destination_init(j_compress_ptr cinfo) {
    jpeg_encoder *encoder = cinfo->client_data;
    size_t first = (size_t)cinfo->image_width * cinfo->image_height * (size_t)cinfo->input_components / 8 + 1024;
    if (cimg_buffer_reserve(&encoder->output, first) != 0) ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 0);
    cinfo->dest->next_output_byte = encoder->output.data;
    cinfo->dest->free_in_buffer = encoder->output.capacity;
}

/* Called with the whole buffer full (libjpeg's contract: free_in_buffer is ignored here). */
static boolean destination_grow(j_compress_ptr cinfo) {
    jpeg_encoder *encoder = cinfo->client_data;
    encoder->output.size = encoder->output.capacity;
    if (cimg_buffer_reserve(&encoder->output, encoder->output.capacity) != 0) ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 0);
    cinfo->dest->next_output_byte = encoder->output.data + encoder->output.size;
    cinfo->dest->free_in_buffer = encoder->output.capacity - encoder->output.size;
    return TRUE;
}

static void destination_term(j_compress_ptr cinfo) {
    jpeg_encoder *encoder = cinfo->client_data;
    encoder->output.size = encoder->output.capacity - cinfo->dest->free_in_buffer;
}

static int jpeg_encode_guarded(jpeg_encoder *encoder, const uint8_t *pixels, uint32_t width, uint32_t height,
                               uint32_t channels, int quality, int subsample_chroma) {
    if (setjmp(encoder->error.jump)) return 0;
    j_compress_ptr cinfo = &encoder->cinfo;
    jpeg_create_compress(cinfo);
    cinfo->client_data = encoder;
    encoder->destination.init_destination = destination_init;
    encoder->destination.empty_output_buffer = destination_grow;
    encoder->destination.term_destination = destination_term;
    cinfo->dest = &encoder->destination;

    cinfo->image_width = width;
    cinfo->image_height = height;
    cinfo->input_components = (int)channels;
    cinfo->in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(cinfo);
    jpeg_set_quality(cinfo, quality, TRUE);
    cinfo->optimize_coding = TRUE; /* optimal Huffman tables: a few percent smaller at little cost */
    if (channels == 3 && !subsample_chroma) {
        for (int i = 0; i < cinfo->num_components; ++i) {
            cinfo->comp_info[i].h_samp_factor = 1;
            cinfo->comp_info[i].v_samp_factor = 1;
        }
    }

    jpeg_start_compress(cinfo, TRUE);
    size_t row_bytes = (size_t)width * channels;
    while (cinfo->next_scanline < height) {
        /* libjpeg reads but never writes the rows; the cast only drops const. */
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)cinfo->next_scanline * row_bytes);
        jpeg_write_scanlines(cinfo, &row, 1);
    }
    jpeg_finish_compress(cinfo);
    return 1;
}

cimg_status cimg_encode_jpeg(const uint8_t *pixels, uint32_t width, uint32_t height, uint32_t channels,
                             int quality, int subsample_chroma,
                             uint8_t **out_data, size_t *out_size, char *msg, size_t msg_cap) {
    cimg_status status = cimg_check_encode_args(pixels, width, height, channels, 0, out_data, out_size, msg, msg_cap);
    if (status != CIMG_OK) return status;
    if (quality < 1 || quality > 100) {
        cimg_set_message(msg, msg_cap, "JPEG quality %d is outside 1...100", quality);
        return CIMG_ERR_ARGUMENT;
    }

    jpeg_encoder *encoder = calloc(1, sizeof *encoder);
    if (encoder == NULL) {
        cimg_set_message(msg, msg_cap, "out of memory creating the JPEG encoder");
        return CIMG_ERR_NO_MEMORY;
    }
    encoder->cinfo.err = cimg_jpeg_error_init(&encoder->error);
    int ok = jpeg_encode_guarded(encoder, pixels, width, height, channels, quality, subsample_chroma);
    jpeg_destroy_compress(&encoder->cinfo);
    if (!ok) {
        status = cimg_jpeg_error_status(&encoder->error);
        cimg_set_message(msg, msg_cap, "%s", encoder->error.message);
        free(encoder->output.data);
        free(encoder);
        return status == CIMG_ERR_FORMAT || status == CIMG_ERR_TRUNCATED ? CIMG_ERR_CORRUPT : status;
    }
    *out_data = encoder->output.data;
    *out_size = encoder->output.size;
    free(encoder);
    if (msg != NULL && msg_cap > 0) msg[0] = '\0';
    return CIMG_OK;
}
