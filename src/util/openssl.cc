#include "openadcs/util/openssl.h"

#include <openssl/err.h>

namespace openadcs::ossl {

std::string ErrorText() {
  std::string out;
  char buf[256];
  while (unsigned long e = ERR_get_error()) {
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

}  // namespace openadcs::ossl
