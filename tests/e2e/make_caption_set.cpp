// Writes a tiny captioned image set for the test of `05_captioning --data DIR`:
//   make_caption_set DIR coco       DIR/captions.json (COCO style) and DIR/images/*.png
//   make_caption_set DIR karpathy   DIR/dataset_tiny.json (Karpathy's layout, with its
//                                   train/val split) and DIR/*.png beside it
// Eight 32 x 32 pictures, each one coloured square on a dark ground in one of four corners,
// with two captions that say which colour and where.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "data/image_io.h"

int main(int argc, char** argv) {
  if (argc != 3 || (std::string(argv[2]) != "coco" && std::string(argv[2]) != "karpathy")) {
    std::fprintf(stderr, "usage: make_caption_set DIR coco|karpathy\n");
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  const bool coco = std::string(argv[2]) == "coco";
  const std::filesystem::path image_dir = coco ? dir / "images" : dir;
  std::filesystem::create_directories(image_dir);
  const char* colours[] = {"red", "green", "blue", "yellow"};
  const int rgb[4][3] = {{220, 40, 40}, {40, 200, 60}, {50, 80, 240}, {240, 220, 30}};
  const char* places[] = {"top left", "top right", "bottom left", "bottom right"};
  nlohmann::json images = nlohmann::json::array(), annotations = nlohmann::json::array();
  for (int k = 0; k < 8; ++k) {
    const int colour = k % 4, place = (k / 2 + k) % 4;
    attn::data::Image im = attn::data::make_image(32, 32, 3);
    for (int y = 0; y < 32; ++y)
      for (int x = 0; x < 32; ++x) {
        const bool in = x / 16 == place % 2 && y / 16 == place / 2 && x % 16 >= 3 &&
                        x % 16 < 13 && y % 16 >= 3 && y % 16 < 13;
        for (int c = 0; c < 3; ++c) im.at(y, x, c) = in ? uint8_t(rgb[colour][c]) : uint8_t(20);
      }
    const std::string file = "picture_" + std::to_string(k) + ".png";
    attn::data::save_png(image_dir / file, im);
    const std::string a = std::string("A ") + colours[colour] + " square at the " + places[place] + ".";
    const std::string b = std::string("a ") + colours[colour] + " square in the " + places[place];
    if (coco) {
      images.push_back({{"id", 100 + k}, {"file_name", file}});
      annotations.push_back({{"image_id", 100 + k}, {"id", 2 * k}, {"caption", a}});
      annotations.push_back({{"image_id", 100 + k}, {"id", 2 * k + 1}, {"caption", b}});
    } else {
      images.push_back({{"filename", file},
                        {"imgid", k},
                        {"split", k < 6 ? "train" : "val"},
                        {"sentences", {{{"raw", a}}, {{"raw", b}}}}});
    }
  }
  nlohmann::json j = {{"images", images}};
  if (coco) j["annotations"] = annotations;
  std::ofstream(dir / (coco ? "captions.json" : "dataset_tiny.json")) << j.dump(1) << "\n";
  return 0;
}
