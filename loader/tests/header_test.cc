// Checks of the public header itself: every declared function is documented
// with its returned codes and parameters, exported by libkeel, and every
// result code has a name and a sentence. Runs in-process: nothing here calls
// klInit.
#include <dlfcn.h>

#include <algorithm>
#include <cstring>
#include <thread>
#include <regex>
#include <sstream>
#include <vector>

#include "loader_test.h"

namespace keel::test {
namespace {

using ::testing::IsEmpty;

std::string Header() { return LoaderTest::ReadFile(KEEL_TEST_API_DIR "/keel/keel.h"); }

struct Declaration {
  std::string name;
  std::vector<std::string> params;
  std::string doc;  // the /** ... */ block right before it, "" if none
};

// Every `KEEL_API <type> <name>(<params>);` with the doc block before it.
std::vector<Declaration> Declarations(const std::string& text) {
  std::vector<Declaration> all;
  static const std::regex decl(R"(\nKEEL_API\s+[A-Za-z_][A-Za-z0-9_ *]*?\b(kl[A-Za-z0-9_]+)\s*\(([^)]*)\)\s*;)");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), decl); it != std::sregex_iterator(); ++it) {
    Declaration d;
    d.name = (*it)[1];
    std::string params = (*it)[2];
    static const std::regex param(R"(([A-Za-z_][A-Za-z0-9_]*)\s*(,|$))");
    for (auto p = std::sregex_iterator(params.begin(), params.end(), param); p != std::sregex_iterator(); ++p)
      if ((*p)[1] != "void") d.params.push_back((*p)[1]);
    // The doc block must end right before the declaration (blank space only).
    size_t at = static_cast<size_t>(it->position(0));
    size_t end = text.rfind("*/", at);
    if (end != std::string::npos && text.find_first_not_of(" \t\n", end + 2) == at + 1) {
      size_t begin = text.rfind("/**", end);
      if (begin != std::string::npos) d.doc = text.substr(begin, end + 2 - begin);
    }
    all.push_back(d);
  }
  return all;
}

class PublicHeader : public ::testing::Test {};

TEST_F(PublicHeader, TheParserFindsEveryDeclaration) {
  // Guards the checks below: a parser that found nothing would let them pass.
  std::istringstream lines(Header());
  size_t declared = 0;
  for (std::string line; std::getline(lines, line);) declared += line.rfind("KEEL_API ", 0) == 0;
  EXPECT_GE(declared, 80u);
  EXPECT_EQ(Declarations(Header()).size(), declared);
}

// The @return part of a doc block lists codes (::KL_...) or refers to a
// function that does ("As klMemcpyHtoD").
bool ListsReturnCodes(const Declaration& d, const std::vector<Declaration>& all, int depth = 0) {
  size_t at = d.doc.find("@return");
  if (at == std::string::npos || depth > 4) return false;
  std::string returns = d.doc.substr(at);
  if (returns.find("::KL_") != std::string::npos) return true;
  std::smatch as;
  if (!std::regex_search(returns, as, std::regex(R"(As (kl[A-Za-z0-9]+))"))) return false;
  for (const Declaration& other : all)
    if (other.name == as[1] && other.name != d.name) return ListsReturnCodes(other, all, depth + 1);
  return false;
}

TEST_F(PublicHeader, EveryFunctionHasADocBlockListingItsReturnCodes) {
  std::vector<Declaration> all = Declarations(Header());
  std::vector<std::string> missing;
  for (const Declaration& d : all)
    if (!ListsReturnCodes(d, all)) missing.push_back(d.name);
  EXPECT_THAT(missing, IsEmpty()) << "functions without a /** ... @return ::KL_... */ block";
}

TEST_F(PublicHeader, EveryParameterIsDocumented) {
  std::vector<std::string> missing;
  for (const Declaration& d : Declarations(Header()))
    for (const std::string& p : d.params)
      if (d.doc.find("@param " + p + " ") == std::string::npos) missing.push_back(d.name + "(" + p + ")");
  EXPECT_THAT(missing, IsEmpty()) << "parameters without @param";
}

TEST_F(PublicHeader, EveryDeclaredFunctionIsExportedByLibkeel) {
  std::vector<std::string> missing;
  for (const Declaration& d : Declarations(Header()))
    if (dlsym(RTLD_DEFAULT, d.name.c_str()) == nullptr) missing.push_back(d.name);
  EXPECT_THAT(missing, IsEmpty());
}

// ---- result codes --------------------------------------------------------------------

struct Code {
  std::string name;
  int value;
};

std::vector<Code> ResultCodes() {
  std::string text = Header();
  size_t begin = text.find("typedef enum KLresult {"), end = text.find("} KLresult;");
  std::string body = text.substr(begin, end - begin);
  std::vector<Code> codes;
  static const std::regex code(R"((KL_[A-Z0-9_]+)\s*=\s*([0-9]+))");
  for (auto it = std::sregex_iterator(body.begin(), body.end(), code); it != std::sregex_iterator(); ++it)
    codes.push_back({(*it)[1], std::stoi((*it)[2])});
  return codes;
}

class ResultCodes : public ::testing::Test {};

TEST_F(ResultCodes, EveryCodeHasItsNameAndASentence) {
  ASSERT_GE(keel::test::ResultCodes().size(), 25u);
  for (const Code& c : keel::test::ResultCodes()) {
    const char *name = nullptr, *text = nullptr;
    EXPECT_EQ(klGetErrorName(static_cast<KLresult>(c.value), &name), KL_SUCCESS) << c.name;
    EXPECT_EQ(klGetErrorString(static_cast<KLresult>(c.value), &text), KL_SUCCESS) << c.name;
    EXPECT_EQ(name ? name : "", c.name);
    EXPECT_GT(std::strlen(text ? text : ""), 0u) << c.name;
    EXPECT_STRNE(text, name) << c.name;
  }
}

TEST_F(ResultCodes, UnknownCodeIsInvalidValueAndNull) {
  const char* s = "untouched";
  EXPECT_EQ(klGetErrorName(static_cast<KLresult>(12345), &s), KL_ERROR_INVALID_VALUE);
  EXPECT_EQ(s, nullptr);
  s = "untouched";
  EXPECT_EQ(klGetErrorString(static_cast<KLresult>(-1), &s), KL_ERROR_INVALID_VALUE);
  EXPECT_EQ(s, nullptr);
}

TEST_F(ResultCodes, NullOutputPointersAreInvalidValue) {
  EXPECT_EQ(klGetErrorName(KL_SUCCESS, nullptr), KL_ERROR_INVALID_VALUE);
  EXPECT_EQ(klGetErrorString(KL_SUCCESS, nullptr), KL_ERROR_INVALID_VALUE);
  EXPECT_EQ(klGetLastErrorMessage(nullptr), KL_ERROR_INVALID_VALUE);
}

TEST_F(ResultCodes, LastErrorMessageIsPerThreadAndKeptBySuccessfulCalls) {
  EXPECT_EQ(klDeviceGetCount(nullptr), KL_ERROR_INVALID_VALUE);
  int version;
  EXPECT_EQ(klDriverGetVersion(&version), KL_SUCCESS);
  EXPECT_EQ(LoaderTest::LastError(), "klDeviceGetCount: count is NULL");
  std::thread([] { EXPECT_EQ(LoaderTest::LastError(), ""); }).join();
}

}  // namespace
}  // namespace keel::test
