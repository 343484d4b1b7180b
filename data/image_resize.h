#pragma once
// Resizing 8-bit images (data/image_io.h's Image), for readers that bring photos of any
// size to the one size a CNN takes.
//   resize_area      each output pixel is the mean of the input area it covers (pixels cut
//                    by its edges count by the fraction inside): the right filter for
//                    shrinking, which bilinear sampling would alias.
//   resize_bilinear  samples at output pixel centres mapped back to the input
//                    (x_in = (x_out + 0.5) W_in / W_out - 0.5, as PIL, OpenCV and
//                    PyTorch's align_corners=False), clamped at the border: for enlarging.
//   resize_image     area when neither side grows, bilinear otherwise.
// Every channel is resized alike; results are rounded to the nearest 8-bit value.
// Throws attn::Error for an empty image or a target size < 1.
#include "data/image_io.h"

namespace attn::data {

Image resize_area(const Image& image, int width, int height);
Image resize_bilinear(const Image& image, int width, int height);
Image resize_image(const Image& image, int width, int height);

}  // namespace attn::data
