// Where templates come from. The engine asks for the current snapshot at the
// start of each request and keeps it to the end of that request.
#ifndef OPENADCS_DIRECTORY_TEMPLATE_SOURCE_H_
#define OPENADCS_DIRECTORY_TEMPLATE_SOURCE_H_

#include <memory>

#include "openadcs/directory/certificate_template.h"
#include "openadcs/util/status.h"

namespace openadcs::directory {

class TemplateSource {
 public:
  virtual ~TemplateSource() = default;

  // The last good snapshot; never null (empty before the first load).
  // Thread-safe.
  virtual std::shared_ptr<const TemplateSnapshot> Current() const = 0;

  // Reads the source again and, on success, swaps the new snapshot in. On
  // failure the previous snapshot stays in place and the error is returned.
  // Thread-safe.
  virtual Status Reload() = 0;
};

}  // namespace openadcs::directory

#endif  // OPENADCS_DIRECTORY_TEMPLATE_SOURCE_H_
