/* Reads the EXIF orientation tag (0x0112) from IFD0 of a JPEG APP1 payload; every offset is bounds-checked. */
#include <string.h>

#include "codec_internal.h"

static uint32_t read16(const uint8_t *p, int big_endian) {
    return big_endian ? ((uint32_t)p[0] << 8) | p[1] : ((uint32_t)p[1] << 8) | p[0];
}

static uint32_t read32(const uint8_t *p, int big_endian) {
    return big_endian ? ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3]
                      : ((uint32_t)p[3] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[1] << 8) | p[0];
}

uint32_t cimg_exif_orientation(const uint8_t *payload, size_t size) {
    static const uint8_t exif_id[6] = {'E', 'x', 'i', 'f', 0, 0};
    if (payload == NULL || size < 6 + 8 || memcmp(payload, exif_id, 6) != 0) return 0;
    const uint8_t *tiff = payload + 6; /* offsets in the TIFF structure count from here */
    size_t tiff_size = size - 6;

    int big_endian;
    if (tiff[0] == 'M' && tiff[1] == 'M') big_endian = 1;
    else if (tiff[0] == 'I' && tiff[1] == 'I') big_endian = 0;
    else return 0;
    if (read16(tiff + 2, big_endian) != 42) return 0;

    uint32_t ifd = read32(tiff + 4, big_endian);
    if (ifd > tiff_size || tiff_size - ifd < 2) return 0;
    uint32_t entries = read16(tiff + ifd, big_endian);
    const uint8_t *entry = tiff + ifd + 2;
    size_t available = (tiff_size - ifd - 2) / 12;
    if (entries > available) entries = (uint32_t)available;

    for (uint32_t i = 0; i < entries; ++i, entry += 12) {
        if (read16(entry, big_endian) != 0x0112) continue;
        /* type SHORT (3), count 1: the value sits left-justified in the 4-byte value field */
        if (read16(entry + 2, big_endian) != 3 || read32(entry + 4, big_endian) != 1) return 0;
        uint32_t orientation = read16(entry + 8, big_endian);
        return orientation >= 1 && orientation <= 8 ? orientation : 0;
    }
    return 0;
}
