#include "db/vfs_layer.h"

#include <map>
#include <memory>
#include <mutex>
#include <type_traits>

namespace openadcs::db {
namespace {

// The sqlite3_vfs first, so that a layer's xOpen finds the rest from the
// pointer SQLite passes it.
struct Layer {
  sqlite3_vfs vfs;
  sqlite3_vfs* below;
  char name[96];
};
static_assert(std::is_standard_layout_v<Layer>);

}  // namespace

Result<std::string> RegisterVfsLayer(const VfsLayerSpec& spec, const std::string& base) {
  static std::mutex mu;
  // Keyed by the layer's name; never freed: SQLite keeps pointers.
  static std::map<std::string, std::unique_ptr<Layer>, std::less<>> registered;
  std::lock_guard lock(mu);
  sqlite3_vfs* below = sqlite3_vfs_find(base.empty() ? nullptr : base.c_str());
  if (below == nullptr) return Status::NotFound("no SQLite VFS named " + base);

  std::string name = std::string(spec.prefix) + below->zName;
  if (registered.contains(name)) return name;

  auto layer = std::make_unique<Layer>();
  if (name.size() >= sizeof layer->name) {
    return Status::InvalidArgument(std::string("SQLite VFS name too long: ") + below->zName);
  }
  name.copy(layer->name, name.size());
  layer->name[name.size()] = '\0';
  layer->below = below;
  layer->vfs = *below;
  layer->vfs.szOsFile = spec.file_size(below);
  layer->vfs.pNext = nullptr;
  layer->vfs.zName = layer->name;
  layer->vfs.xOpen = spec.open;
  if (const int rc = sqlite3_vfs_register(&layer->vfs, 0); rc != SQLITE_OK) {
    return Status::Internal(std::string("sqlite3_vfs_register: ") + sqlite3_errstr(rc));
  }
  registered.emplace(name, std::move(layer));
  return name;
}

sqlite3_vfs* VfsBelow(sqlite3_vfs* layer) {
  return reinterpret_cast<Layer*>(layer)->below;
}

}  // namespace openadcs::db
