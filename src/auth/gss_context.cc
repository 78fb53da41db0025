#include "auth/gss_context.h"

#include <gssapi/gssapi_ext.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "openadcs/auth/spnego.h"

namespace openadcs::auth::internal {
namespace {

gss_OID_desc kKrb5Oid = {9, const_cast<std::uint8_t*>(spnego::kOidKerberos)};

gss_iov_buffer_desc IovBuffer(OM_uint32 type, std::span<std::uint8_t> bytes) {
  gss_iov_buffer_desc b{};
  b.type = type;
  b.buffer.length = bytes.size();
  b.buffer.value = bytes.data();
  return b;
}

// The buffers of a sealed PDU in PDU order, as Windows checksums them:
// the token, then (with header signing) the header signed only, the body
// encrypted, the padding-to-trailer tail signed only.
std::vector<gss_iov_buffer_desc> Iov(std::span<std::uint8_t> pdu, std::size_t body_offset,
                                     std::size_t body_length, std::span<std::uint8_t> token,
                                     bool header_signing) {
  std::vector<gss_iov_buffer_desc> iov;
  iov.push_back(IovBuffer(GSS_IOV_BUFFER_TYPE_HEADER, token));
  if (header_signing)
    iov.push_back(IovBuffer(GSS_IOV_BUFFER_TYPE_SIGN_ONLY, pdu.first(body_offset)));
  iov.push_back(IovBuffer(GSS_IOV_BUFFER_TYPE_DATA, pdu.subspan(body_offset, body_length)));
  if (header_signing) {
    iov.push_back(IovBuffer(GSS_IOV_BUFFER_TYPE_SIGN_ONLY, pdu.subspan(body_offset + body_length)));
  }
  return iov;
}

// What a MIC covers: the body, or with header signing the whole PDU.
gss_buffer_desc SignedPart(std::span<const std::uint8_t> pdu, std::size_t body_offset,
                           std::size_t body_length, bool header_signing) {
  const std::span<const std::uint8_t> part =
      header_signing ? pdu : pdu.subspan(body_offset, body_length);
  return gss_buffer_desc{part.size(), const_cast<std::uint8_t*>(part.data())};
}

}  // namespace

gss_OID KerberosMechanism() {
  return &kKrb5Oid;
}

std::string GssMessage(OM_uint32 major, OM_uint32 minor) {
  std::string text;
  auto append = [&text](OM_uint32 code, int type) {
    OM_uint32 context = 0;
    do {
      OM_uint32 ignored = 0;
      gss_buffer_desc buffer = GSS_C_EMPTY_BUFFER;
      if (GSS_ERROR(gss_display_status(&ignored, code, type, &kKrb5Oid, &context, &buffer))) {
        return;
      }
      if (!text.empty()) text += "; ";
      text.append(static_cast<const char*>(buffer.value), buffer.length);
      gss_release_buffer(&ignored, &buffer);
    } while (context != 0);
  };
  append(major, GSS_C_GSS_CODE);
  if (minor != 0) append(minor, GSS_C_MECH_CODE);
  return text;
}

Bytes TakeGssBuffer(gss_buffer_desc& buffer) {
  const auto* begin = static_cast<const std::uint8_t*>(buffer.value);
  Bytes out(begin, begin + buffer.length);
  OM_uint32 minor = 0;
  gss_release_buffer(&minor, &buffer);
  return out;
}

GssName::~GssName() {
  OM_uint32 minor = 0;
  gss_release_name(&minor, &name_);
}

Result<Principal> DisplayPrincipal(gss_name_t name) {
  gss_buffer_desc text = GSS_C_EMPTY_BUFFER;
  OM_uint32 minor = 0;
  const OM_uint32 major = gss_display_name(&minor, name, &text, nullptr);
  if (GSS_ERROR(major)) {
    return Status::Internal("cannot read the client principal: " + GssMessage(major, minor));
  }
  const Bytes bytes = TakeGssBuffer(text);
  const std::string principal(bytes.begin(), bytes.end());
  const std::size_t at = principal.rfind('@');
  if (at == std::string::npos || at == 0 || at + 1 == principal.size()) {
    return Status::PermissionDenied("Kerberos client principal without a realm: " + principal);
  }
  return Principal{principal.substr(0, at), principal.substr(at + 1)};
}

GssCredential::~GssCredential() {
  OM_uint32 minor = 0;
  gss_release_cred(&minor, &cred_);
}

GssContext::~GssContext() {
  OM_uint32 minor = 0;
  if (context_ != GSS_C_NO_CONTEXT) gss_delete_sec_context(&minor, &context_, GSS_C_NO_BUFFER);
}

Result<Bytes> GssContext::Step(std::span<const std::uint8_t> in) {
  if (failed_) return Status::FailedPrecondition("Kerberos context failed earlier");
  if (established_) return Status::FailedPrecondition("Kerberos handshake is complete");
  Result<Bytes> out = in.size() > max_token_bytes_
                          ? Status::InvalidArgument(
                                "Kerberos token of " + std::to_string(in.size()) +
                                " bytes exceeds the limit of " + std::to_string(max_token_bytes_))
                          : Exchange(in);
  if (!out.ok()) failed_ = true;
  return out;
}

Status GssContext::Established() {
  for (int conf : {0, 1}) {
    std::array<gss_iov_buffer_desc, 2> iov{};
    iov[0].type = GSS_IOV_BUFFER_TYPE_HEADER;
    iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
    iov[1].buffer.length = 16;  // the body is always a multiple of 16 bytes
    OM_uint32 minor = 0;
    const OM_uint32 major = gss_wrap_iov_length(&minor, context_, conf, GSS_C_QOP_DEFAULT, nullptr,
                                                iov.data(), iov.size());
    if (GSS_ERROR(major)) {
      return Status::Internal("gss_wrap_iov_length: " + GssMessage(major, minor));
    }
    (conf == 1 ? sealed_size_ : signed_size_) = iov[0].buffer.length;
  }
  established_ = true;
  return Status::Ok();
}

Status GssContext::Protect(AuthLevel level, std::span<std::uint8_t> pdu, std::size_t body_offset,
                           std::size_t body_length, std::span<std::uint8_t> signature) {
  if (!established_) return Status::FailedPrecondition("Kerberos context is not established");
  if (body_offset + body_length > pdu.size() || signature.size() != signature_size(level)) {
    return Status::InvalidArgument("Kerberos protect: bad ranges");
  }
  OM_uint32 minor = 0;
  if (level != AuthLevel::kPrivacy) {
    gss_buffer_desc message = SignedPart(pdu, body_offset, body_length, header_signing_);
    gss_buffer_desc token = GSS_C_EMPTY_BUFFER;
    const OM_uint32 major = gss_get_mic(&minor, context_, GSS_C_QOP_DEFAULT, &message, &token);
    if (GSS_ERROR(major)) return Status::Internal("gss_get_mic: " + GssMessage(major, minor));
    const bool fits = token.length == signature.size();
    if (fits)
      std::copy_n(static_cast<const std::uint8_t*>(token.value), token.length, signature.begin());
    OM_uint32 ignored = 0;
    gss_release_buffer(&ignored, &token);
    if (!fits) return Status::Internal("Kerberos MIC size differs from the one announced");
    return Status::Ok();
  }
  std::vector<gss_iov_buffer_desc> iov =
      Iov(pdu, body_offset, body_length, signature, header_signing_);
  int conf_state = 0;
  const OM_uint32 major = gss_wrap_iov(&minor, context_, 1, GSS_C_QOP_DEFAULT, &conf_state,
                                       iov.data(), static_cast<int>(iov.size()));
  if (GSS_ERROR(major)) return Status::Internal("gss_wrap_iov: " + GssMessage(major, minor));
  if (conf_state == 0) return Status::Internal("gss_wrap_iov did not encrypt");
  return Status::Ok();
}

Result<Bytes> GssContext::MakeMechListMic(std::span<const std::uint8_t> message) {
  if (!established_) return Status::FailedPrecondition("Kerberos context is not established");
  gss_buffer_desc input{message.size(), const_cast<std::uint8_t*>(message.data())};
  gss_buffer_desc token = GSS_C_EMPTY_BUFFER;
  OM_uint32 minor = 0;
  const OM_uint32 major = gss_get_mic(&minor, context_, GSS_C_QOP_DEFAULT, &input, &token);
  if (GSS_ERROR(major)) return Status::Internal("gss_get_mic: " + GssMessage(major, minor));
  return TakeGssBuffer(token);
}

Status GssContext::VerifyMechListMic(std::span<const std::uint8_t> message,
                                     std::span<const std::uint8_t> mic) {
  if (!established_) return Status::FailedPrecondition("Kerberos context is not established");
  gss_buffer_desc input{message.size(), const_cast<std::uint8_t*>(message.data())};
  gss_buffer_desc token{mic.size(), const_cast<std::uint8_t*>(mic.data())};
  OM_uint32 minor = 0;
  const OM_uint32 major = gss_verify_mic(&minor, context_, &input, &token, nullptr);
  if (major != GSS_S_COMPLETE) {
    return Status::PermissionDenied("Kerberos mechListMIC refused: " + GssMessage(major, minor));
  }
  return Status::Ok();
}

Status GssContext::Unprotect(AuthLevel level, std::span<std::uint8_t> pdu, std::size_t body_offset,
                             std::size_t body_length, std::span<const std::uint8_t> signature) {
  if (!established_) return Status::FailedPrecondition("Kerberos context is not established");
  if (body_offset + body_length > pdu.size()) {
    return Status::PermissionDenied("Kerberos unprotect: bad ranges");
  }
  OM_uint32 minor = 0;
  if (level != AuthLevel::kPrivacy) {
    gss_buffer_desc message = SignedPart(pdu, body_offset, body_length, header_signing_);
    gss_buffer_desc token{signature.size(), const_cast<std::uint8_t*>(signature.data())};
    const OM_uint32 major = gss_verify_mic(&minor, context_, &message, &token, nullptr);
    if (major != GSS_S_COMPLETE) {
      return Status::PermissionDenied("Kerberos signature refused: " + GssMessage(major, minor));
    }
    return Status::Ok();
  }
  // MIT rotates and decrypts the token in place: work on a copy.
  Bytes token(signature.begin(), signature.end());
  std::vector<gss_iov_buffer_desc> iov = Iov(pdu, body_offset, body_length, token, header_signing_);
  int conf_state = 0;
  const OM_uint32 major = gss_unwrap_iov(&minor, context_, &conf_state, nullptr, iov.data(),
                                         static_cast<int>(iov.size()));
  if (major != GSS_S_COMPLETE) {
    return Status::PermissionDenied("Kerberos sealed PDU refused: " + GssMessage(major, minor));
  }
  if (conf_state == 0) return Status::PermissionDenied("PDU at privacy was not encrypted");
  return Status::Ok();
}

}  // namespace openadcs::auth::internal
