// examples/summarize/serve/request.cpp: the request parser (request.hpp).
#include "request.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <set>
#include <utility>

#include "../corpus.hpp"
#include "../search_options.hpp"

namespace summarize::serve {

namespace {

std::string flag_of(const std::string& field) {
  std::string flag = "--" + field;
  for (char& c : flag)
    if (c == '_') c = '-';
  return flag;
}

/// The JSON type a search field takes.
enum class FieldType { number, string, boolean };

FieldType field_type(const std::string& field) {
  if (field == "sample" || field == "alignment") return FieldType::boolean;
  if (field == "length_penalty" || field == "coverage_penalty" || field == "unknown") return FieldType::string;
  return FieldType::number;
}

/// The search fields a request may set: add_search_options' flags, less the
/// server's own (batch size, threads).
const std::vector<std::string>& search_fields() {
  static const std::vector<std::string> fields = [] {
    CLI::App app;
    DecodeOptions o;
    add_search_options(&app, o);
    std::vector<std::string> out;
    for (const CLI::Option* opt : app.get_options()) {
      if (opt->get_lnames().empty()) continue;
      std::string name = opt->get_lnames().front();  // without the dashes
      if (name == "help" || name == "batch-size" || name == "threads") continue;
      for (char& c : name)
        if (c == '-') c = '_';
      out.push_back(name);
    }
    return out;
  }();
  return fields;
}

std::string field_list() {
  std::string s = "documents, alignment";
  for (const auto& f : search_fields()) s += ", " + f;
  return s;
}

}  // namespace

SummarizeRequest parse_request(std::string_view body, const DecodeOptions& defaults, const RequestLimits& limits,
                               bool titled) {
  using nlohmann::json;
  json j;
  try {
    // nlohmann's parser rejects invalid UTF-8 and lone surrogates in strings
    j = json::parse(body.begin(), body.end());
  } catch (const json::exception& e) {
    // a syntax error (parse_error), and also a number past double's range
    // (out_of_range 406, "1e1022": the fuzzer's find)
    throw RequestError(400, std::string("malformed JSON: ") + e.what());
  }
  if (!j.is_object()) throw RequestError(400, "the request must be a JSON object with a \"documents\" array");
  SummarizeRequest r;
  const auto docs = j.find("documents");
  if (docs == j.end()) throw RequestError(400, "the request has no \"documents\" field");
  if (!docs->is_array()) throw RequestError(400, "\"documents\" must be an array of strings");
  if (docs->empty()) throw RequestError(400, "\"documents\" is empty");
  if (docs->size() > limits.max_documents)
    throw RequestError(413, std::to_string(docs->size()) + " documents, more than this server's limit of " +
                                std::to_string(limits.max_documents) + " a request (--max-documents)");
  for (std::size_t i = 0; i < docs->size(); ++i) {
    const json& d = (*docs)[i];
    const std::string where = "documents[" + std::to_string(i) + "]";
    if (!d.is_string()) throw RequestError(400, where + " is not a string");
    const auto& text = d.get_ref<const std::string&>();
    if (text.size() > limits.max_document_bytes)
      throw RequestError(413, where + " has " + std::to_string(text.size()) +
                                  " bytes, more than this server's limit of " +
                                  std::to_string(limits.max_document_bytes) + " (--max-document-bytes)");
    if (!titled) {
      r.documents.push_back(controls_as_spaces(text));
      continue;
    }
    try {  // as summarize summarize reads a line
      r.documents.push_back(titled_input(text, where));
    } catch (const InputError& e) {
      throw RequestError(400, e.what());
    }
  }

  // The option fields become the flags they are named after, parsed by the
  // command line's own options over the server's defaults.
  const auto& fields = search_fields();
  const std::set<std::string> known(fields.begin(), fields.end());
  std::vector<std::string> args;  // CLI::App::parse(vector) takes them last first
  r.decode = defaults;
  json given = json::object();
  for (const auto& [name, value] : j.items()) {
    if (name == "documents") continue;
    if (name != "alignment" && known.count(name) == 0)
      throw RequestError(400, "unknown field \"" + name + "\" (the fields are " + field_list() + ")");
    if (name != "alignment") given[name] = value;
    switch (field_type(name)) {
      case FieldType::boolean:
        if (!value.is_boolean()) throw RequestError(400, "\"" + name + "\" must be true or false");
        (name == "sample" ? r.decode.sample : r.alignment) = value.get<bool>();
        continue;
      case FieldType::string:
        if (!value.is_string()) throw RequestError(400, "\"" + name + "\" must be a string");
        args.push_back(value.get<std::string>());
        break;
      case FieldType::number:
        if (!value.is_number()) throw RequestError(400, "\"" + name + "\" must be a number");
        args.push_back(value.dump());
        break;
    }
    args.push_back(flag_of(name));
  }
  if (!args.empty()) {
    CLI::App app;
    DecodeOptions parsed;
    add_search_options(&app, parsed);
    parsed = r.decode;  // the options write into `parsed`: only the flags given change it
    try {
      app.parse(args);
    } catch (const CLI::ParseError& e) {
      // CLI11 names the flag ("--n-best: Value 0 not in range ..."); the client wrote the field
      std::string what = e.what();
      for (const auto& f : fields) {
        const std::string flag = flag_of(f);
        if (what.rfind(flag + ":", 0) == 0) {
          what = "\"" + f + "\"" + what.substr(flag.size());
          break;
        }
      }
      throw RequestError(400, what);
    }
    r.decode.search = parsed.search;
  }
  // the fields as given (a JSON object's keys are sorted): every request
  // starts from the same defaults, so equal keys decode alike
  r.key = given.dump();
  return r;
}

}  // namespace summarize::serve
