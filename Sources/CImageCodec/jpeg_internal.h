/* libjpeg error handling shared by the JPEG decoder and encoder. Not part of the public ABI. */
#ifndef CIMAGECODEC_JPEG_INTERNAL_H
#define CIMAGECODEC_JPEG_INTERNAL_H

#include <setjmp.h>
#include <stdio.h> /* jpeglib.h needs FILE and size_t declared first */

#include <jpeglib.h>

#include "codec_internal.h"

/* libjpeg's error manager extended with a jump target and the text of the first fatal message. */
typedef struct cimg_jpeg_error {
    struct jpeg_error_mgr pub; /* first member: libjpeg casts cinfo->err to this */
    jmp_buf jump;
    int truncated;             /* the source manager ran out of data */
    int message_code;          /* libjpeg message code of the failure */
    char message[JMSG_LENGTH_MAX];
} cimg_jpeg_error;

/* Install handlers that never print and never exit: fatal errors and data-corruption warnings longjmp to
   error->jump. Call before jpeg_create_(de)compress so that failures during creation are caught too. */
struct jpeg_error_mgr *cimg_jpeg_error_init(cimg_jpeg_error *error);

/* Map a caught libjpeg failure to a status code. */
cimg_status cimg_jpeg_error_status(const cimg_jpeg_error *error);

#endif
