// CFaceLandmarks: a C ABI over dlib's HOG face detector and its 68-point shape predictor. No dlib type crosses
// this boundary.
//
// Rules (as for CTorch):
// - Detectors and predictors are opaque handles owned by the caller; free each exactly once.
// - Every function catches C++ exceptions. On failure a handle-returning function returns NULL and an
//   int-returning one a negative value; the message is kept in a thread-local slot read by fl_last_error().
// - Images are packed 8-bit RGB, `height` rows of `width * 3` bytes.
// - A handle is not safe to use from two threads at once.
#ifndef CFACELANDMARKS_H
#define CFACELANDMARKS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fl_detector_s *fl_detector;
typedef struct fl_predictor_s *fl_predictor;

/// The largest image (in pixels, after the detector's up-sampling) that fl_detect accepts: larger inputs are
/// refused with an error rather than allowed to exhaust memory. Callers downscale first.
#define FL_MAX_DETECT_PIXELS 67108864LL
/// The largest image fl_landmarks accepts (the predictor only reads pixels around the face, but the image is
/// copied into dlib's own buffer).
#define FL_MAX_IMAGE_PIXELS 268435456LL

/// The message of the last failure on this thread, or NULL. Valid until the next call on this thread.
const char *fl_last_error(void);

/// dlib's frontal face detector (HOG + linear SVM, built into the library).
fl_detector fl_detector_new(void);
void fl_detector_free(fl_detector d);

/// Loads a shape predictor (e.g. shape_predictor_68_face_landmarks.dat).
fl_predictor fl_predictor_load(const char *path);
void fl_predictor_free(fl_predictor p);
/// Landmarks per face of this predictor (68 for the iBUG model), or -1.
int fl_predictor_parts(fl_predictor p);

/// Detects faces in an RGB image, up-sampling it `upsample` times first (dlib's `detector(img, upsample)`).
/// Writes up to `capacity` boxes as (left, top, right, bottom) inclusive pixel bounds into `boxes` (4 per face)
/// and their detection scores into `scores` (may be NULL), in dlib's order (most confident first).
/// Returns the number of faces found (which may exceed `capacity`), or -1.
int fl_detect(fl_detector d, const uint8_t *rgb, int width, int height, int upsample,
              int32_t *boxes, double *scores, int capacity);

/// Runs the predictor on the face in `box` (left, top, right, bottom) and writes its landmarks as (x, y) pairs
/// into `points` (2 * capacity doubles). Returns the number of landmarks (which may exceed `capacity`), or -1.
int fl_landmarks(fl_predictor p, const uint8_t *rgb, int width, int height, const int32_t *box,
                 double *points, int capacity);

#ifdef __cplusplus
}
#endif

#endif
