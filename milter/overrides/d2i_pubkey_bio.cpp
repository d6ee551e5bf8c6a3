// postern-milter's d2i_PUBKEY_bio() (overrides.h lists every function the milter overrides): libopendkim
// decodes the public key of every signature it verifies with d2i_PUBKEY_bio(), and under OpenSSL 3 that
// decoding costs several times the RSA verification itself. A definition in the executable takes
// precedence over libcrypto's for every shared object (the same ELF rule that lets the milter
// define sigwait() and accept()), so libopendkim's call lands here. Only calls made from libopendkim's own
// code, on a memory BIO, with a cache installed, are served from the PublicKeyCache (libopendkim reads the
// key and frees it, never changes it); every other call, and every cache miss, goes to libcrypto's
// d2i_PUBKEY_bio() unchanged.
#include <dlfcn.h>
#include <link.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/x509.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <vector>

#include "common/core/mutex.h"
#include "milter/overrides/overrides.h"

extern "C" {
// libopendkim's entry point, used to find where its code is mapped.
struct dkim_lib;
dkim_lib* dkim_init(void* (*mallocf)(void*, size_t), void (*freef)(void*, void*));
}

namespace {

using D2iFn = EVP_PKEY* (*)(BIO*, EVP_PKEY**);

std::atomic<postern::PublicKeyCache*> g_cache{nullptr};
std::atomic<uintptr_t> g_text_lo{0}, g_text_hi{0};

D2iFn real_d2i() {
  static D2iFn fn = [] {
    void* p = dlvsym(RTLD_NEXT, "d2i_PUBKEY_bio", "OPENSSL_3.0.0");
    if (!p) p = dlsym(RTLD_NEXT, "d2i_PUBKEY_bio");
    return reinterpret_cast<D2iFn>(p);
  }();
  return fn;
}

struct TextRange {
  uintptr_t base;
  const char* name;
  uintptr_t lo = UINTPTR_MAX, hi = 0;
};

int find_text(dl_phdr_info* info, size_t, void* arg) {
  auto* r = static_cast<TextRange*>(arg);
  bool same_name = r->name && info->dlpi_name && std::strcmp(r->name, info->dlpi_name) == 0;
  if (info->dlpi_addr != r->base && !same_name) return 0;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const auto& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD || !(ph.p_flags & PF_X)) continue;
    uintptr_t start = info->dlpi_addr + ph.p_vaddr;
    r->lo = std::min(r->lo, start);
    r->hi = std::max(r->hi, start + ph.p_memsz);
  }
  return 1;
}

// The length of the DER object at the start of data (header and contents), or 0.
size_t der_length(const char* data, long n) {
  const auto* start = reinterpret_cast<const unsigned char*>(data);
  const unsigned char* p = start;
  long len = 0;
  int tag = 0, cls = 0;
  int ret = ASN1_get_object(&p, &len, &tag, &cls, n);
  if ((ret & 0x80) || (ret & 0x01) || tag != V_ASN1_SEQUENCE) return 0;  // error or indefinite
  size_t total = static_cast<size_t>(p - start) + static_cast<size_t>(len);
  return total <= static_cast<size_t>(n) ? total : 0;
}

}  // namespace

extern "C" EVP_PKEY* d2i_PUBKEY_bio(BIO* bp, EVP_PKEY** a) {
  D2iFn real = real_d2i();
  postern::PublicKeyCache* cache = g_cache.load(std::memory_order_acquire);
  auto caller = reinterpret_cast<uintptr_t>(__builtin_return_address(0));
  if (!cache || a != nullptr || !bp || BIO_method_type(bp) != BIO_TYPE_MEM ||
      caller < g_text_lo.load(std::memory_order_relaxed) ||
      caller >= g_text_hi.load(std::memory_order_relaxed)) {
    return real ? real(bp, a) : nullptr;
  }
  char* data = nullptr;
  long n = BIO_get_mem_data(bp, &data);
  size_t len = n > 0 ? der_length(data, n) : 0;
  if (len == 0 || len > postern::PublicKeyCache::kMaxDerBytes) return real ? real(bp, a) : nullptr;
  std::string_view der(data, len);
  if (EVP_PKEY* key = cache->find(der)) {
    std::vector<unsigned char> skip(len);  // consume what a decode would have consumed
    (void)BIO_read(bp, skip.data(), static_cast<int>(len));
    return key;
  }
  std::string copy(der);  // the BIO's buffer is consumed by the decode
  EVP_PKEY* key = real ? real(bp, nullptr) : nullptr;
  if (key) cache->insert(copy, key);
  return key;
}

namespace postern {

bool install_libopendkim_key_cache(PublicKeyCache* cache) {
  static Mutex mu;  // one installation at a time
  MutexLock lock(mu);
  if (!cache) {
    g_cache.store(nullptr, std::memory_order_release);
    return true;
  }
  if (g_text_hi.load() == 0) {
    Dl_info info{};
    if (!dladdr(reinterpret_cast<void*>(&dkim_init), &info) || !info.dli_fbase) return false;
    TextRange r{reinterpret_cast<uintptr_t>(info.dli_fbase), info.dli_fname};
    dl_iterate_phdr(find_text, &r);
    if (r.hi == 0) return false;
    g_text_lo.store(r.lo);
    g_text_hi.store(r.hi);
  }
  if (!real_d2i()) return false;
  g_cache.store(cache, std::memory_order_release);
  return true;
}

}  // namespace postern
