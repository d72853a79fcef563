// CFaceLandmarks: the C ABI over dlib. The only file in the project that includes dlib headers.
// Every entry point catches C++ exceptions into a thread-local message, because a C++ exception crossing into
// Swift would terminate the process.
#include "face_landmarks.h"

#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/serialize.h>

#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>

struct fl_detector_s {
    dlib::frontal_face_detector detector;
};
struct fl_predictor_s {
    dlib::shape_predictor predictor;
};

namespace {

thread_local std::string last_error;
thread_local bool has_error = false;

void set_error(const std::string &message) {
    last_error = message;
    has_error = true;
}

void clear_error() { has_error = false; }

// Checks the image arguments and copies the pixels into dlib's own RGB image.
void load_image(const uint8_t *rgb, int width, int height, long long max_pixels, dlib::array2d<dlib::rgb_pixel> &img) {
    if (rgb == nullptr) throw std::invalid_argument("null image buffer");
    if (width < 1 || height < 1) {
        throw std::invalid_argument("image size must be positive, not " + std::to_string(width) + "x" + std::to_string(height));
    }
    if ((long long)width * height > max_pixels) {
        throw std::invalid_argument("a " + std::to_string(width) + "x" + std::to_string(height) +
                                    " image is larger than the " + std::to_string(max_pixels) + " pixels accepted");
    }
    img.set_size(height, width);
    for (int y = 0; y < height; y++) {
        const uint8_t *row = rgb + (size_t)y * (size_t)width * 3;
        for (int x = 0; x < width; x++) {
            img[y][x] = dlib::rgb_pixel(row[3 * x], row[3 * x + 1], row[3 * x + 2]);
        }
    }
}

template <typename F>
auto guarded(F body, decltype(body()) failure) -> decltype(body()) {
    clear_error();
    try {
        return body();
    } catch (const std::bad_alloc &) {
        set_error("out of memory");
    } catch (const std::exception &e) {
        set_error(e.what());
    } catch (...) {
        set_error("unknown C++ exception in dlib");
    }
    return failure;
}

}  // namespace

extern "C" {

const char *fl_last_error(void) { return has_error ? last_error.c_str() : nullptr; }

fl_detector fl_detector_new(void) {
    return guarded([] { return new fl_detector_s{dlib::get_frontal_face_detector()}; }, (fl_detector) nullptr);
}

void fl_detector_free(fl_detector d) { delete d; }

fl_predictor fl_predictor_load(const char *path) {
    return guarded(
        [&] {
            if (path == nullptr) throw std::invalid_argument("null predictor path");
            auto *p = new fl_predictor_s;
            try {
                dlib::deserialize(path) >> p->predictor;
            } catch (...) {
                delete p;
                throw;
            }
            if (p->predictor.num_parts() == 0) {
                delete p;
                throw std::runtime_error("the shape predictor has no landmarks");
            }
            return p;
        },
        (fl_predictor) nullptr);
}

void fl_predictor_free(fl_predictor p) { delete p; }

int fl_predictor_parts(fl_predictor p) {
    return guarded(
        [&] {
            if (p == nullptr) throw std::invalid_argument("null predictor handle");
            return (int)p->predictor.num_parts();
        },
        -1);
}

int fl_detect(fl_detector d, const uint8_t *rgb, int width, int height, int upsample, int32_t *boxes, double *scores,
              int capacity) {
    return guarded(
        [&] {
            if (d == nullptr) throw std::invalid_argument("null detector handle");
            if (upsample < 0 || upsample > 4) {
                throw std::invalid_argument("up-sampling count must be 0...4, not " + std::to_string(upsample));
            }
            if (capacity < 0 || (capacity > 0 && boxes == nullptr)) throw std::invalid_argument("null box buffer");
            // Each up-sampling doubles both sides; bound the area the detector will actually scan.
            long long scanned = (long long)width * height;
            for (int i = 0; i < upsample; i++) scanned *= 4;
            if (width > 0 && height > 0 && scanned > FL_MAX_DETECT_PIXELS) {
                throw std::invalid_argument("a " + std::to_string(width) + "x" + std::to_string(height) +
                                            " image up-sampled " + std::to_string(upsample) +
                                            " time(s) is larger than the detector accepts (" +
                                            std::to_string(FL_MAX_DETECT_PIXELS) + " pixels); downscale it first");
            }
            dlib::array2d<dlib::rgb_pixel> img;
            load_image(rgb, width, height, FL_MAX_DETECT_PIXELS, img);
            // What dlib's Python `detector(img, upsample)` does: up-sample with pyramid_up, detect at threshold 0,
            // map the boxes back down.
            std::vector<dlib::rect_detection> found;
            dlib::pyramid_down<2> pyramid;
            for (int i = 0; i < upsample; i++) dlib::pyramid_up(img, pyramid);
            d->detector(img, found, 0.0);
            for (auto &det : found) det.rect = pyramid.rect_down(det.rect, (unsigned)upsample);
            int n = (int)found.size();
            for (int i = 0; i < n && i < capacity; i++) {
                const dlib::rectangle &r = found[i].rect;
                boxes[4 * i] = (int32_t)r.left();
                boxes[4 * i + 1] = (int32_t)r.top();
                boxes[4 * i + 2] = (int32_t)r.right();
                boxes[4 * i + 3] = (int32_t)r.bottom();
                if (scores) scores[i] = found[i].detection_confidence;
            }
            return n;
        },
        -1);
}

int fl_landmarks(fl_predictor p, const uint8_t *rgb, int width, int height, const int32_t *box, double *points,
                 int capacity) {
    return guarded(
        [&] {
            if (p == nullptr) throw std::invalid_argument("null predictor handle");
            if (box == nullptr) throw std::invalid_argument("null face box");
            if (capacity < 0 || (capacity > 0 && points == nullptr)) throw std::invalid_argument("null point buffer");
            if (box[2] < box[0] || box[3] < box[1]) throw std::invalid_argument("empty face box");
            dlib::array2d<dlib::rgb_pixel> img;
            load_image(rgb, width, height, FL_MAX_IMAGE_PIXELS, img);
            dlib::rectangle rect(box[0], box[1], box[2], box[3]);
            dlib::full_object_detection shape = p->predictor(img, rect);
            int n = (int)shape.num_parts();
            for (int i = 0; i < n && i < capacity; i++) {
                points[2 * i] = (double)shape.part(i).x();
                points[2 * i + 1] = (double)shape.part(i).y();
            }
            return n;
        },
        -1);
}

}  // extern "C"
