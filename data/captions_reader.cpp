#include "data/captions_reader.h"

#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "autograd/error.h"
#include "data/image_resize.h"

namespace attn::data {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// nlohmann's message without its "[json.exception.parse_error.101] " id.
std::string without_id(const std::string& what) {
  const auto close = what.find("] ");
  if (what.rfind("[json.", 0) == 0 && close != std::string::npos) return what.substr(close + 2);
  return what;
}

json parse_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  ATTN_CHECK(in, file.string(), ": cannot open the captions file (does it exist?)");
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return json::parse(ss.str());
  } catch (const json::parse_error& e) {
    fail(file.string(), ": not valid JSON (byte ", e.byte, "): ", without_id(e.what()));
  } catch (const json::exception& e) {
    // Not a syntax error but as fatal, e.g. out_of_range 406, "number overflow parsing
    // '1e400'": the library throws its own kinds, which must not escape as they are.
    fail(file.string(), ": not valid JSON: ", without_id(e.what()),
         " (numbers must fit in a double, up to about 1.8e308)");
  }
}

const char* type_word(const json& v) {
  return v.type_name();
}

// v[key] of the given kind, or an error naming the file and the JSON path.
const json& field(const fs::path& file, const json& v, const std::string& path,
                  const std::string& key, json::value_t kind, const char* kind_word) {
  ATTN_CHECK(v.is_object(), file.string(), ": ", path, " is a ", type_word(v),
             "; expected an object");
  const auto it = v.find(key);
  ATTN_CHECK(it != v.end(), file.string(), ": ", path, " has no \"", key, "\"");
  const bool ok = kind == json::value_t::number_integer
                      ? it->is_number_integer()
                      : (kind == json::value_t::string ? it->is_string() : it->type() == kind);
  ATTN_CHECK(ok, file.string(), ": ", path, ".", key, " is a ", type_word(*it), "; expected ",
             kind_word);
  return *it;
}
const json& array_field(const fs::path& f, const json& v, const std::string& path,
                        const std::string& key) {
  return field(f, v, path, key, json::value_t::array, "an array");
}
std::string string_field(const fs::path& f, const json& v, const std::string& path,
                         const std::string& key) {
  return field(f, v, path, key, json::value_t::string, "a string").get<std::string>();
}
int64_t int_field(const fs::path& f, const json& v, const std::string& path,
                  const std::string& key) {
  return field(f, v, path, key, json::value_t::number_integer, "an integer").get<int64_t>();
}

// A name from the captions file, as a path below image_dir. A file that names "/etc/passwd"
// or "../../secret.jpg" is refused: the reader looks only inside the folder the user gave.
fs::path below(const fs::path& json_file, const fs::path& image_dir, const std::string& where,
               const std::string& key, const std::string& name) {
  const fs::path rel(name);
  ATTN_CHECK(!name.empty(), json_file.string(), ": ", where, ".", key, " is empty");
  ATTN_CHECK(!rel.has_root_path(), json_file.string(), ": ", where, ".", key, " is \"", name,
             "\", an absolute path; image names must be relative to the image folder");
  for (const fs::path& part : rel)
    ATTN_CHECK(part != "..", json_file.string(), ": ", where, ".", key, " is \"", name,
               "\", which uses \"..\"; image names must stay inside the image folder");
  return image_dir / rel;
}

// One image entry before its pixels are read.
struct Entry {
  fs::path file;
  int64_t id = 0;
  std::string split, where;  // where: the JSON path, for messages
  std::vector<std::string> raw;
  std::vector<std::vector<std::string>> tokens;
};

CaptionedImages load_images(const fs::path& json_file, std::vector<Entry>& entries,
                            const CaptionImageOptions& o) {
  ATTN_CHECK(o.size >= 1, "read captions: image size must be >= 1, got ", o.size);
  for (float s : o.std) ATTN_CHECK(s > 0, "read captions: every std must be > 0");
  if (o.max_images > 0 && int64_t(entries.size()) > o.max_images)
    entries.resize(size_t(o.max_images));
  CaptionedImages d;
  const int64_t N = int64_t(entries.size()), per = 3 * int64_t(o.size) * o.size;
  d.images = Tensor::empty({N, 3, o.size, o.size});
  for (int64_t i = 0; i < N; ++i) {
    Entry& e = entries[size_t(i)];
    // The error_code form: a name the system refuses (too long, say) is the file's fault,
    // not a filesystem_error to escape.
    std::error_code ec;
    const fs::file_status st = fs::status(e.file, ec);
    const bool missing = st.type() == fs::file_type::not_found;
    ATTN_CHECK(fs::is_regular_file(st), json_file.string(), ": ", e.where, " (image id ", e.id,
               ") names the image ", e.file.string(), ", which ",
               missing ? std::string("does not exist")
               : ec    ? "cannot be looked up (" + ec.message() + ")"
                       : std::string("is not a file"));
    Image img;
    try {
      img = load_image(e.file, 3);
    } catch (const Error& err) {
      fail(json_file.string(), ": ", e.where, " (image id ", e.id, "): ", err.what());
    }
    const Tensor t = image_to_tensor(img, o.size, o.mean, o.std);
    std::memcpy(d.images.data() + i * per, t.data(), sizeof(real) * size_t(per));
    d.files.push_back(e.file);
    d.ids.push_back(e.id);
    d.splits.push_back(e.split);
    d.raw.push_back(std::move(e.raw));
    d.captions.push_back(std::move(e.tokens));
  }
  return d;
}

}  // namespace

Tensor image_to_tensor(const Image& image, int size, const std::array<float, 3>& mean,
                       const std::array<float, 3>& std) {
  ATTN_CHECK(image.channels >= 1 && image.channels <= 4, "image_to_tensor: ", image.channels,
             " channels; expected 1 to 4");
  const Image r = resize_image(image, size, size);
  Tensor t = Tensor::empty({3, size, size});
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < size; ++y)
      for (int x = 0; x < size; ++x) {
        // Grey (1 or 2 channels) fills R, G and B alike; alpha (channel 1 or 3) is dropped.
        const int src = r.channels >= 3 ? c : 0;
        const float v = r.at(y, x, src) / 255.0f;
        t.data()[(int64_t(c) * size + y) * size + x] =
            static_cast<real>((v - mean[size_t(c)]) / std[size_t(c)]);
      }
  return t;
}

CaptionedImages read_coco_captions(const fs::path& json_file, const fs::path& image_dir,
                                   const CaptionImageOptions& o) {
  const json root = parse_file(json_file);
  const json& images = array_field(json_file, root, "the top level", "images");
  const json& annotations = array_field(json_file, root, "the top level", "annotations");
  std::vector<Entry> entries;
  std::map<int64_t, size_t> by_id;
  for (size_t i = 0; i < images.size(); ++i) {
    const std::string where = "images[" + std::to_string(i) + "]";
    Entry e;
    e.id = int_field(json_file, images[i], where, "id");
    e.file = below(json_file, image_dir, where, "file_name",
                   string_field(json_file, images[i], where, "file_name"));
    e.where = where;
    ATTN_CHECK(by_id.emplace(e.id, entries.size()).second, json_file.string(), ": ", where,
               ".id: ", e.id, " is the id of an earlier image too");
    entries.push_back(std::move(e));
  }
  for (size_t k = 0; k < annotations.size(); ++k) {
    const std::string where = "annotations[" + std::to_string(k) + "]";
    const int64_t id = int_field(json_file, annotations[k], where, "image_id");
    const std::string caption = string_field(json_file, annotations[k], where, "caption");
    const auto it = by_id.find(id);
    ATTN_CHECK(it != by_id.end(), json_file.string(), ": ", where, ".image_id: ", id,
               " is not the id of any image in images[]");
    Entry& e = entries[it->second];
    e.raw.push_back(caption);
    e.tokens.push_back(tokenize_caption(caption));
  }
  std::vector<Entry> kept;
  for (Entry& e : entries)
    if (!e.raw.empty()) kept.push_back(std::move(e));
  return load_images(json_file, kept, o);
}

CaptionedImages read_karpathy_captions(const fs::path& json_file, const fs::path& image_dir,
                                       const CaptionImageOptions& o) {
  const json root = parse_file(json_file);
  const json& images = array_field(json_file, root, "the top level", "images");
  std::vector<Entry> entries;
  for (size_t i = 0; i < images.size(); ++i) {
    const std::string where = "images[" + std::to_string(i) + "]";
    const json& im = images[i];
    Entry e;
    e.where = where;
    const std::string filename = string_field(json_file, im, where, "filename");
    const fs::path dir = im.contains("filepath")
                             ? below(json_file, image_dir, where, "filepath",
                                     string_field(json_file, im, where, "filepath"))
                             : image_dir;
    e.file = below(json_file, dir, where, "filename", filename);
    e.split = string_field(json_file, im, where, "split");
    e.id = im.contains("imgid") ? int_field(json_file, im, where, "imgid") : int64_t(i);
    const json& sentences = array_field(json_file, im, where, "sentences");
    for (size_t s = 0; s < sentences.size(); ++s) {
      const std::string spath = where + ".sentences[" + std::to_string(s) + "]";
      const json& sen = sentences[s];
      ATTN_CHECK(sen.is_object(), json_file.string(), ": ", spath, " is a ", type_word(sen),
                 "; expected an object");
      ATTN_CHECK(sen.contains("tokens") || sen.contains("raw"), json_file.string(), ": ", spath,
                 " has neither \"tokens\" nor \"raw\"");
      std::string raw = sen.contains("raw") ? string_field(json_file, sen, spath, "raw") : "";
      std::vector<std::string> tokens;
      if (sen.contains("tokens")) {
        const json& toks = array_field(json_file, sen, spath, "tokens");
        for (size_t t = 0; t < toks.size(); ++t) {
          ATTN_CHECK(toks[t].is_string(), json_file.string(), ": ", spath, ".tokens[", t, "] is a ",
                     type_word(toks[t]), "; expected a string");
          // Karpathy's tokens are lower case already; tokenize keeps any that are not in line.
          for (auto& w : tokenize_caption(toks[t].get<std::string>())) tokens.push_back(w);
        }
        if (raw.empty()) {
          for (const auto& w : tokens) raw += (raw.empty() ? "" : " ") + w;
        }
      } else {
        tokens = tokenize_caption(raw);
      }
      e.raw.push_back(std::move(raw));
      e.tokens.push_back(std::move(tokens));
    }
    if (!o.split.empty() && e.split != o.split) continue;
    if (!e.raw.empty()) entries.push_back(std::move(e));
  }
  return load_images(json_file, entries, o);
}

}  // namespace attn::data
