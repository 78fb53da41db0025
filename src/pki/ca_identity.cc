#include "openadcs/pki/ca_identity.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <cstring>
#include <ctime>
#include <optional>

#include "openadcs/pki/csr_builder.h"
#include "openadcs/pki/name.h"
#include "openadcs/pki/x509_builder.h"
#include "openadcs/util/hresult.h"
#include "pki/asn1_util.h"
#include "pki/key_files.h"

namespace openadcs::pki {
namespace {

constexpr std::size_t kCaSerialBytes = 16;
constexpr std::int64_t kSecondsPerDay = 86400;
constexpr std::size_t kMaxChainCertificates = 16;
// PEM_BUFSIZE: the most a PEM passphrase callback can hand back.
constexpr std::size_t kMaxPassphraseBytes = 1024;
constexpr std::uint16_t kKuDigitalSignature = 1 << 0;
constexpr std::uint16_t kKuKeyCertSign = 1 << 5;
constexpr std::uint16_t kKuCrlSign = 1 << 6;
// RSA-PSS with its parameters is the longest AlgorithmIdentifier a CA key gives (about 70).
constexpr std::size_t kMaxAlgorithmIdentifierBytes = 256;

struct PassphraseSource {
  const std::string* passphrase = nullptr;
  bool asked = false;
};

// Never lets OpenSSL prompt on a terminal: no configured passphrase fails.
int ProvidePassphrase(char* buf, int size, int /*rwflag*/, void* u) {
  auto* source = static_cast<PassphraseSource*>(u);
  source->asked = true;
  if (source->passphrase == nullptr || size < 0 ||
      source->passphrase->size() > static_cast<std::size_t>(size)) {
    return -1;
  }
  // A pem_password_cb returns the length; OpenSSL reads no terminating NUL.
  std::memcpy(buf, source->passphrase->data(),  // NOLINT(bugprone-not-null-terminated-result)
              source->passphrase->size());
  return static_cast<int>(source->passphrase->size());
}

// Wipes a string that held key material or a passphrase.
struct Cleansed {
  std::string& s;
  ~Cleansed() { OPENSSL_cleanse(s.data(), s.size()); }
};

Result<std::string> ReadPassphrase(const std::filesystem::path& path) {
  Result<std::string> text = internal::ReadSecretFile(path);
  if (!text.ok()) return text.status();
  std::string passphrase = std::move(*text);
  if (passphrase.ends_with('\n')) passphrase.pop_back();
  if (passphrase.ends_with('\r')) passphrase.pop_back();
  if (passphrase.empty()) return Status::InvalidArgument(path.string() + " holds no passphrase");
  if (passphrase.size() > kMaxPassphraseBytes) {
    OPENSSL_cleanse(passphrase.data(), passphrase.size());
    return Status::InvalidArgument(path.string() + " holds a passphrase over 1024 bytes");
  }
  return passphrase;
}

// The signature digest for `key`: the configured one for RSA, the one that
// matches the curve for ECDSA.
Result<std::string> DigestFor(EVP_PKEY* key, std::string_view configured) {
  if (EVP_PKEY_is_a(key, "RSA") == 1) {
    std::string name;
    for (char c : configured) {
      if (c != '-') name.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
    if (name == "SHA256" || name == "SHA384" || name == "SHA512") return name;
    return Status::InvalidArgument("digest '" + std::string(configured) +
                                   "' is not SHA256, SHA384 or SHA512");
  }
  if (EVP_PKEY_is_a(key, "EC") == 1) {
    char group[64] = {};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                       &len) != 1) {
      return Status::InvalidArgument("EC key without a named curve");
    }
    std::string_view curve(group, len);
    if (curve == "prime256v1" || curve == "P-256") return std::string("SHA256");
    if (curve == "secp384r1" || curve == "P-384") return std::string("SHA384");
    if (curve == "secp521r1" || curve == "P-521") return std::string("SHA512");
    return Status::InvalidArgument("unsupported EC curve " + std::string(curve));
  }
  return Status::InvalidArgument("CA key is neither RSA nor EC");
}

// The value of the last (most specific) CN in `name`, as UTF-8.
std::optional<std::string> CommonName(const X509_NAME* name) {
  int last = -1;
  for (int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(name, NID_commonName, i)) {
    last = i;
  }
  if (last < 0) return std::nullopt;
  const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, last));
  unsigned char* utf8 = nullptr;
  int n = ASN1_STRING_to_UTF8(&utf8, value);
  if (n < 0) return std::nullopt;
  std::string out(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(n));
  OPENSSL_free(utf8);
  return out;
}

Result<ossl::X509Ptr> ParseCertificatePem(const std::string& pem,
                                          const std::filesystem::path& path) {
  ossl::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return Status::Internal("BIO_new_mem_buf: " + ossl::ErrorText());
  ossl::X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (cert == nullptr) {
    return Status::InvalidArgument("no PEM certificate in " + path.string() + ": " +
                                   ossl::ErrorText());
  }
  return cert;
}

Result<std::vector<ossl::X509Ptr>> ParseChainPem(const std::string& pem,
                                                 const std::filesystem::path& path) {
  ossl::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return Status::Internal("BIO_new_mem_buf: " + ossl::ErrorText());
  std::vector<ossl::X509Ptr> chain;
  for (;;) {
    ossl::X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (cert == nullptr) {
      unsigned long err = ERR_peek_last_error();
      if (ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE) {
        ERR_clear_error();  // the end of the file
        break;
      }
      return Status::InvalidArgument("bad certificate in " + path.string() + ": " +
                                     ossl::ErrorText());
    }
    if (chain.size() == kMaxChainCertificates) {
      return Status::InvalidArgument(path.string() + " holds more than " +
                                     std::to_string(kMaxChainCertificates) + " certificates");
    }
    chain.push_back(std::move(cert));
  }
  return chain;
}

Status CheckIsCa(X509* cert, const std::filesystem::path& path) {
  std::uint32_t flags = X509_get_extension_flags(cert);
  if ((flags & EXFLAG_INVALID) != 0) {
    return Status::InvalidArgument(path.string() + ": certificate extensions do not parse");
  }
  if ((flags & EXFLAG_CA) == 0) {
    return Status::InvalidArgument(path.string() +
                                   " is not a CA certificate (no basicConstraints CA:TRUE)");
  }
  if ((X509_get_key_usage(cert) & KU_KEY_CERT_SIGN) == 0) {
    return Status::InvalidArgument(path.string() + ": keyUsage lacks keyCertSign");
  }
  return Status::Ok();
}

// Each chain certificate must have issued (and signed) the one before it.
Status CheckChain(X509* cert, const std::vector<ossl::X509Ptr>& chain,
                  const std::filesystem::path& path) {
  X509* child = cert;
  for (std::size_t i = 0; i < chain.size(); ++i) {
    X509* parent = chain[i].get();
    if (X509_check_issued(parent, child) != X509_V_OK ||
        X509_verify(child, X509_get0_pubkey(parent)) != 1) {
      ERR_clear_error();
      return Status::InvalidArgument(path.string() + ": certificate " + std::to_string(i) +
                                     " did not issue the certificate below it");
    }
    child = parent;
  }
  return Status::Ok();
}

Status AddCaExtension(X509* cert, int nid, bool critical, const Bytes& value) {
  return internal::AddExtension(cert, OBJ_nid2obj(nid), critical, value);
}

}  // namespace

Result<KeyAlgorithm> ParseKeyAlgorithm(std::string_view name) {
  std::string n = ToLowerAscii(name);
  if (n == "rsa2048") return KeyAlgorithm::kRsa2048;
  if (n == "rsa3072") return KeyAlgorithm::kRsa3072;
  if (n == "rsa4096") return KeyAlgorithm::kRsa4096;
  if (n == "ecdsa-p256") return KeyAlgorithm::kEcdsaP256;
  if (n == "ecdsa-p384") return KeyAlgorithm::kEcdsaP384;
  return Status::InvalidArgument("unknown key algorithm '" + std::string(name) +
                                 "' (rsa2048, rsa3072, rsa4096, ecdsa-p256, ecdsa-p384)");
}

Result<std::unique_ptr<CaIdentity>> CaIdentity::LoadOrCreate(const CaIdentityOptions& options) {
  OPENADCS_RETURN_IF_ERROR(internal::RemoveStaleTemporaries(options.key_file));
  OPENADCS_RETURN_IF_ERROR(internal::RemoveStaleTemporaries(options.cert_file));
  std::error_code ec;
  bool have_key = std::filesystem::exists(options.key_file, ec);
  if (ec) return Status::IOError(options.key_file.string() + ": " + ec.message());
  bool have_cert = std::filesystem::exists(options.cert_file, ec);
  if (ec) return Status::IOError(options.cert_file.string() + ": " + ec.message());
  if (have_key && !have_cert) {
    // Generation renames the key into place first: a crash before the
    // certificate followed leaves a key that never certified anything.
    return Status::InvalidArgument(
        options.key_file.string() + " exists but " + options.cert_file.string() +
        " does not (a crash while the CA was generated?). Restore both from a backup, or, if this "
        "CA never issued a certificate, remove the key (rm " +
        options.key_file.string() + ") and start again to generate a new CA");
  }
  if (have_cert && !have_key) {
    return Status::InvalidArgument(
        options.cert_file.string() + " exists but " + options.key_file.string() +
        " does not; provide both or neither (neither: a new CA key is generated)");
  }

  std::string passphrase;  // ReadPassphrase refuses an empty one
  Cleansed wipe{passphrase};
  if (!options.passphrase_file.empty()) {
    Result<std::string> p = ReadPassphrase(options.passphrase_file);
    if (!p.ok()) return p.status();
    passphrase = std::move(*p);
  }

  std::unique_ptr<CaIdentity> ca(new CaIdentity());
  const std::string* pass = passphrase.empty() ? nullptr : &passphrase;
  if (have_key) {
    OPENADCS_RETURN_IF_ERROR(ca->Load(options, pass));
  } else {
    OPENADCS_RETURN_IF_ERROR(ca->Create(options, pass));
  }
  ca->cert_der_ = ossl::ToDer(ca->cert_.get(), i2d_X509);
  if (ca->cert_der_.empty()) return Status::Internal("i2d_X509: " + ossl::ErrorText());
  Result<Bytes> algorithm = ca->SignatureAlgorithm();
  if (!algorithm.ok()) return algorithm.status();
  ca->signature_algorithm_ = std::move(*algorithm);
  Result<ossl::MdCtxPtr> signing = ca->SigningContext();
  if (!signing.ok()) return signing.status();
  ca->signing_template_ = std::move(*signing);
  std::optional<std::string> cn = CommonName(X509_get_subject_name(ca->cert_.get()));
  if (!cn || cn->empty()) {
    return Status::InvalidArgument(options.cert_file.string() + ": CA subject has no CN");
  }
  ca->common_name_ = std::move(*cn);
  ca->sanitized_name_ = SanitizeCaName(ca->common_name_);
  ca->sanitized_short_name_ = SanitizedShortName(ca->common_name_);
  return ca;
}

Status CaIdentity::Load(const CaIdentityOptions& options, const std::string* passphrase) {
  Result<std::string> key_pem = internal::ReadSecretFile(options.key_file);
  if (!key_pem.ok()) return key_pem.status();
  Cleansed wipe_key{*key_pem};
  ossl::BioPtr bio(BIO_new_mem_buf(key_pem->data(), static_cast<int>(key_pem->size())));
  if (bio == nullptr) return Status::Internal("BIO_new_mem_buf: " + ossl::ErrorText());
  PassphraseSource source{passphrase};
  key_.reset(
      PEM_read_bio_PrivateKey_ex(bio.get(), nullptr, ProvidePassphrase, &source, nullptr, nullptr));
  if (key_ == nullptr) {
    std::string why = source.asked && passphrase == nullptr
                          ? "the key is encrypted and no passphrase_file is set"
                      : source.asked ? "wrong passphrase or damaged key"
                                     : "not a PEM private key";
    return Status::InvalidArgument("cannot read " + options.key_file.string() + ": " + why + " (" +
                                   ossl::ErrorText() + ")");
  }

  Result<std::string> cert_pem = internal::ReadCaFile(options.cert_file);
  if (!cert_pem.ok()) return cert_pem.status();
  Result<ossl::X509Ptr> cert = ParseCertificatePem(*cert_pem, options.cert_file);
  if (!cert.ok()) return cert.status();
  cert_ = std::move(*cert);
  if (X509_check_private_key(cert_.get(), key_.get()) != 1) {
    ERR_clear_error();
    return Status::InvalidArgument(options.key_file.string() + " does not match the certificate " +
                                   options.cert_file.string());
  }
  OPENADCS_RETURN_IF_ERROR(CheckIsCa(cert_.get(), options.cert_file));
  if (X509_cmp_current_time(X509_get0_notAfter(cert_.get())) < 0) {
    spdlog::warn("CA certificate {} has expired", options.cert_file.string());
  }

  if (!options.chain_file.empty()) {
    Result<std::string> chain_pem = internal::ReadCaFile(options.chain_file);
    if (!chain_pem.ok()) return chain_pem.status();
    Result<std::vector<ossl::X509Ptr>> chain = ParseChainPem(*chain_pem, options.chain_file);
    if (!chain.ok()) return chain.status();
    OPENADCS_RETURN_IF_ERROR(CheckChain(cert_.get(), *chain, options.chain_file));
    chain_ = std::move(*chain);
  }
  Result<std::string> digest = DigestFor(key_.get(), options.digest);
  if (!digest.ok()) return digest.status();
  digest_name_ = std::move(*digest);
  return Status::Ok();
}

Status CaIdentity::Create(const CaIdentityOptions& options, const std::string* passphrase) {
  if (options.validity_days == 0) return Status::InvalidArgument("validity_days is 0");
  Result<ossl::X509NamePtr> subject = ParseDistinguishedName(options.subject);
  if (!subject.ok()) {
    return Status::InvalidArgument("CA subject: " + subject.status().message());
  }
  if (!CommonName(subject->get())) {
    return Status::InvalidArgument("CA subject '" + options.subject + "' has no CN");
  }
  Result<ossl::PKeyPtr> key = GenerateKey(options.algorithm);
  if (!key.ok()) return key.status();
  key_ = std::move(*key);
  Result<std::string> digest = DigestFor(key_.get(), options.digest);
  if (!digest.ok()) return digest.status();
  digest_name_ = std::move(*digest);

  Bytes serial(kCaSerialBytes);
  if (RAND_bytes(serial.data(), static_cast<int>(serial.size())) != 1) {
    return Status::Internal("RAND_bytes: " + ossl::ErrorText());
  }
  serial[0] = static_cast<std::uint8_t>((serial[0] & 0x7F) | 0x40);  // positive, full length
  Result<ossl::Asn1IntegerPtr> serial_int = internal::SerialToAsn1(serial);
  if (!serial_int.ok()) return serial_int.status();
  Result<Bytes> key_id = internal::KeyIdentifier(key_.get());
  if (!key_id.ok()) return key_id.status();

  cert_.reset(X509_new());
  if (cert_ == nullptr || X509_set_version(cert_.get(), X509_VERSION_3) != 1 ||
      X509_set_serialNumber(cert_.get(), serial_int->get()) != 1 ||
      X509_set_subject_name(cert_.get(), subject->get()) != 1 ||
      X509_set_issuer_name(cert_.get(), subject->get()) != 1 ||
      X509_set_pubkey(cert_.get(), key_.get()) != 1) {
    return Status::Internal("filling the CA certificate: " + ossl::ErrorText());
  }
  // Backdated an hour, more than the engine backdates what it issues for
  // clock skew, so certificates issued at once still nest inside the CA's.
  constexpr std::int64_t kBackdateSeconds = 3600;
  std::int64_t now = std::time(nullptr);
  OPENADCS_RETURN_IF_ERROR(internal::SetValidity(
      cert_.get(), now - kBackdateSeconds,
      now + static_cast<std::int64_t>(options.validity_days) * kSecondsPerDay));
  OPENADCS_RETURN_IF_ERROR(AddCaExtension(cert_.get(), NID_basic_constraints, true,
                                          ext::BasicConstraints(true, std::nullopt)));
  OPENADCS_RETURN_IF_ERROR(
      AddCaExtension(cert_.get(), NID_key_usage, true,
                     ext::KeyUsage(kKuDigitalSignature | kKuKeyCertSign | kKuCrlSign)));
  OPENADCS_RETURN_IF_ERROR(AddCaExtension(cert_.get(), NID_subject_key_identifier, false,
                                          internal::SubjectKeyIdValue(*key_id)));
  OPENADCS_RETURN_IF_ERROR(AddCaExtension(cert_.get(), NID_authority_key_identifier, false,
                                          internal::AuthorityKeyIdValue(*key_id)));
  OPENADCS_RETURN_IF_ERROR(SignCertificate(cert_.get()));

  ossl::BioPtr key_bio(BIO_new(BIO_s_secmem()));
  ossl::BioPtr cert_bio(BIO_new(BIO_s_mem()));
  const EVP_CIPHER* cipher = passphrase != nullptr ? EVP_aes_256_cbc() : nullptr;
  const auto* pass =
      passphrase != nullptr ? reinterpret_cast<const unsigned char*>(passphrase->data()) : nullptr;
  int pass_len = passphrase != nullptr ? static_cast<int>(passphrase->size()) : 0;
  if (key_bio == nullptr || cert_bio == nullptr ||
      PEM_write_bio_PrivateKey(key_bio.get(), key_.get(), cipher, pass, pass_len, nullptr,
                               nullptr) != 1 ||
      PEM_write_bio_X509(cert_bio.get(), cert_.get()) != 1) {
    return Status::Internal("PEM encoding: " + ossl::ErrorText());
  }
  char* key_data = nullptr;
  long key_len = BIO_get_mem_data(key_bio.get(), &key_data);
  char* cert_data = nullptr;
  long cert_len = BIO_get_mem_data(cert_bio.get(), &cert_data);
  const internal::FileToWrite files[] = {
      {options.key_file,
       {reinterpret_cast<const std::uint8_t*>(key_data), static_cast<std::size_t>(key_len)},
       0600},
      {options.cert_file,
       {reinterpret_cast<const std::uint8_t*>(cert_data), static_cast<std::size_t>(cert_len)},
       0644},
  };
  OPENADCS_RETURN_IF_ERROR(internal::WriteFilesAtomically(files));
  if (!options.chain_file.empty()) {
    spdlog::warn("chain_file {} is not read: the CA certificate was generated self-signed",
                 options.chain_file.string());
  }
  spdlog::info("generated a {}-bit CA key in {} and a self-signed certificate in {}", key_bits(),
               options.key_file.string(), options.cert_file.string());
  return Status::Ok();
}

std::uint32_t CaIdentity::key_bits() const {
  return static_cast<std::uint32_t>(EVP_PKEY_get_bits(key_.get()));
}

Result<ossl::MdCtxPtr> CaIdentity::SigningContext() const {
  ossl::MdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr) return Status::Internal("EVP_MD_CTX_new: " + ossl::ErrorText());
  if (signing_template_ != nullptr) {
    if (EVP_MD_CTX_copy_ex(ctx.get(), signing_template_.get()) != 1) {
      return Status::Internal("EVP_MD_CTX_copy_ex: " + ossl::ErrorText());
    }
    return ctx;
  }
  if (EVP_DigestSignInit_ex(ctx.get(), nullptr, digest_name_.c_str(), nullptr, nullptr, key_.get(),
                            nullptr) != 1) {
    return Status::Internal("EVP_DigestSignInit_ex: " + ossl::ErrorText());
  }
  return ctx;
}

Result<Bytes> CaIdentity::SignatureAlgorithm() const {
  Result<ossl::MdCtxPtr> ctx = SigningContext();
  if (!ctx.ok()) return ctx.status();
  // What X509_sign_ctx writes too: the provider's own AlgorithmIdentifier.
  unsigned char der[kMaxAlgorithmIdentifierBytes];
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_SIGNATURE_PARAM_ALGORITHM_ID, der, sizeof der),
      OSSL_PARAM_construct_end()};
  if (EVP_PKEY_CTX_get_params(EVP_MD_CTX_get_pkey_ctx(ctx->get()), params) != 1 ||
      !OSSL_PARAM_modified(&params[0]) || params[0].return_size == 0) {
    return Status::Internal("the signature AlgorithmIdentifier of the CA key: " +
                            ossl::ErrorText());
  }
  return Bytes(der, der + params[0].return_size);
}

Status CaIdentity::SignCertificate(X509* cert) const {
  Result<ossl::MdCtxPtr> ctx = SigningContext();
  if (!ctx.ok()) return ctx.status();
  if (X509_sign_ctx(cert, ctx->get()) <= 0) {
    return Status::Internal("X509_sign_ctx: " + ossl::ErrorText());
  }
  return Status::Ok();
}

Status CaIdentity::SignCrl(X509_CRL* crl) const {
  Result<ossl::MdCtxPtr> ctx = SigningContext();
  if (!ctx.ok()) return ctx.status();
  if (X509_CRL_sign_ctx(crl, ctx->get()) <= 0) {
    return Status::Internal("X509_CRL_sign_ctx: " + ossl::ErrorText());
  }
  return Status::Ok();
}

Status CaIdentity::VerifySignature(std::span<const std::uint8_t> data,
                                   std::span<const std::uint8_t> signature) const {
  ossl::MdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr ||
      EVP_DigestVerifyInit_ex(ctx.get(), nullptr, digest_name_.c_str(), nullptr, nullptr,
                              X509_get0_pubkey(cert_.get()), nullptr) != 1) {
    return Status::Internal("EVP_DigestVerifyInit_ex: " + ossl::ErrorText());
  }
  if (EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), data.data(), data.size()) !=
      1) {
    return Status::Error(
        StatusCode::kInternal,
        "the signature does not verify with the CA certificate: " + ossl::ErrorText(),
        hr::kBadSignature);
  }
  return Status::Ok();
}

Result<Bytes> CaIdentity::SignBytes(std::span<const std::uint8_t> data) const {
  Result<ossl::MdCtxPtr> ctx = SigningContext();
  if (!ctx.ok()) return ctx.status();
  // Used once: the final step need not work on a copy of the context.
  EVP_MD_CTX_set_flags(ctx->get(), EVP_MD_CTX_FLAG_FINALISE);
  std::size_t len = 0;
  if (EVP_DigestSign(ctx->get(), nullptr, &len, data.data(), data.size()) != 1) {
    return Status::Internal("EVP_DigestSign: " + ossl::ErrorText());
  }
  Bytes sig(len);
  if (EVP_DigestSign(ctx->get(), sig.data(), &len, data.data(), data.size()) != 1) {
    return Status::Internal("EVP_DigestSign: " + ossl::ErrorText());
  }
  sig.resize(len);  // ECDSA signatures vary in length
  return sig;
}

}  // namespace openadcs::pki
