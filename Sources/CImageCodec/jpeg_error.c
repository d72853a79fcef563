/* libjpeg error manager: turns fatal errors and corrupt-data warnings into a longjmp with a saved message. */
#include <string.h>

#include "jpeg_internal.h"

/* After jpeglib.h: which messages exist depends on its jconfig.h settings. */
#include <jerror.h>

static void cimg_jpeg_fail(j_common_ptr cinfo) {
    cimg_jpeg_error *error = (cimg_jpeg_error *)cinfo->err;
    error->message_code = cinfo->err->msg_code;
    (*cinfo->err->format_message)(cinfo, error->message);
    longjmp(error->jump, 1);
}

/* Warnings that mean pixels were lost or invented. libjpeg would carry on and hand back gray or garbled
   blocks; we report the file as corrupt instead. Other warnings (extraneous bytes between markers, unknown
   JFIF revision, ...) are common in files from real cameras and are ignored. */
static int is_data_loss_warning(int code) {
    switch (code) {
    case JWRN_HIT_MARKER:
    case JWRN_HUFF_BAD_CODE:
    case JWRN_MUST_RESYNC:
    case JWRN_JPEG_EOF:
#if JPEG_LIB_VERSION >= 70 || defined(C_ARITH_CODING_SUPPORTED) || defined(D_ARITH_CODING_SUPPORTED)
    case JWRN_ARITH_BAD_CODE:
#endif
        return 1;
    default:
        return 0;
    }
}

static void cimg_jpeg_emit_message(j_common_ptr cinfo, int level) {
    /* level < 0 is a warning; >= 0 are trace messages, which we never show. */
    if (level < 0) {
        cinfo->err->num_warnings++;
        if (is_data_loss_warning(cinfo->err->msg_code)) cimg_jpeg_fail(cinfo);
    }
}

static void cimg_jpeg_output_message(j_common_ptr cinfo) { (void)cinfo; }

struct jpeg_error_mgr *cimg_jpeg_error_init(cimg_jpeg_error *error) {
    memset(error, 0, sizeof *error);
    struct jpeg_error_mgr *manager = jpeg_std_error(&error->pub);
    manager->error_exit = cimg_jpeg_fail;
    manager->emit_message = cimg_jpeg_emit_message;
    manager->output_message = cimg_jpeg_output_message;
    return manager;
}

cimg_status cimg_jpeg_error_status(const cimg_jpeg_error *error) {
    if (error->truncated) return CIMG_ERR_TRUNCATED;
    switch (error->message_code) {
    case JERR_NO_SOI:
        return CIMG_ERR_FORMAT;
    case JERR_INPUT_EOF:
    case JERR_INPUT_EMPTY:
        return CIMG_ERR_TRUNCATED;
    case JERR_OUT_OF_MEMORY:
        return CIMG_ERR_NO_MEMORY;
    case JERR_IMAGE_TOO_BIG:
    case JERR_WIDTH_OVERFLOW:
        return CIMG_ERR_TOO_LARGE;
    case JERR_BAD_PRECISION:
    case JERR_CONVERSION_NOTIMPL:
    case JERR_NOT_COMPILED:
    case JERR_NOTIMPL:
        return CIMG_ERR_UNSUPPORTED;
    default:
        return CIMG_ERR_CORRUPT;
    }
}
