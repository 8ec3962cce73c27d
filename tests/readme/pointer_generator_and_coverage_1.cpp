// What the block leaves out: a document and its summary as words, both
// vocabularies, a config of sizes and a search.
void run() {
  const std::vector<std::string> source_words{"the", "zstd", "tool", "packs", "files"};
  const std::vector<std::string> summary_words{"zstd", "packs", "files"};
  const genattn::Vocabulary source_vocab = genattn::Vocabulary::build({source_words});
  const genattn::Vocabulary target_vocab = genattn::Vocabulary::build({{"packs", "files", "the"}});
  genattn::Seq2SeqConfig config;
  config.src_vocab = source_vocab.size();
  config.tgt_vocab = target_vocab.size();
  config.embedding = config.encoder_hidden = config.decoder_hidden = 8;
  genattn::SearchConfig search;
  search.beam = 2;
  // README: block
  readme::expect(ext.extra() == 2, "zstd and tool are the source words past the target vocabulary");
  readme::expect(std::isfinite(cache.loss.loss), "the loss is not finite");
}
