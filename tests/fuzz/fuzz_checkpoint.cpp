// libFuzzer: checkpoint bytes -> decode_checkpoint -> the model they describe.
#include <genattn/genattn.hpp>

#include <cstdint>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<unsigned char> bytes(data, data + size);
  try {
    const genattn::Checkpoint c = genattn::decode_checkpoint(bytes, "fuzz.ckpt");
    auto loaded = genattn::load_model<float>(c, "fuzz.ckpt");
    (void)loaded;
  } catch (const genattn::CheckpointError&) {
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
