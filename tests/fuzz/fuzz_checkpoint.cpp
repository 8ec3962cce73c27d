// libFuzzer: checkpoint bytes -> decode_checkpoint -> the model they describe;
// and the same bytes through the decoding reader (load_model_for_decoding,
// quantized slots held encoded), packed at int8.
#include <genattn/train/checkpoint.hpp>
#include <genattn/train/trainer.hpp>

#include <cstdint>
#include <string_view>
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
  try {
    genattn::Checkpoint header;
    const auto loaded = genattn::load_model_for_decoding<float>(
        std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.ckpt", header);
    (void)loaded.model.pack(loaded.params, genattn::Precision::int8);
  } catch (const genattn::CheckpointError&) {
  } catch (const std::invalid_argument&) {  // weights a pack refuses (NaN, Inf)
  }
  return 0;
}
