// Where templates come from. The engine asks for the current snapshot at the
// start of each request and keeps it to the end of that request.
#ifndef OPENADCS_DIRECTORY_TEMPLATE_SOURCE_H_
#define OPENADCS_DIRECTORY_TEMPLATE_SOURCE_H_

#include <memory>
#include <string>
#include <vector>

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

  // SetCAProperty(CR_PROP_TEMPLATES), MS-CSRA 3.1.4.2.3: makes `names`
  // (template cn values, distinct, already checked for length and count by
  // the caller) the list of this CA's enrollment service, replacing it
  // whole. Each name must be a template the source holds, served or not
  // (ASCII case-insensitive; the source's spelling is written): otherwise
  // InvalidArgument with E_INVALIDARG naming it, and nothing is written.
  // Current() is not changed by this call: the new list is served once the
  // source reads it back as it reads any other change (LDAP: change
  // notification). A source that cannot be written refuses with
  // FailedPrecondition carrying ERROR_NOT_SUPPORTED. Other errors carry the
  // HRESULT the protocol returns. Thread-safe.
  virtual Status SetServedTemplates(const std::vector<std::string>& names) = 0;
};

}  // namespace openadcs::directory

#endif  // OPENADCS_DIRECTORY_TEMPLATE_SOURCE_H_
