#include "openadcs/daemon/json_log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "openadcs/util/log_context.h"
#include "testing/pki.h"

namespace openadcs::daemon {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(JsonLogTest, StringsAreEscaped) {
  EXPECT_EQ(JsonString(""), "\"\"");
  EXPECT_EQ(JsonString("a\"b\\c/d"), "\"a\\\"b\\\\c/d\"");
  EXPECT_EQ(JsonString("\n\r\t\x01\x1f\x7f"), "\"\\n\\r\\t\\u0001\\u001f\\u007f\"");
  EXPECT_EQ(JsonString(std::string("a\0b", 3)), "\"a\\u0000b\"");
  // Well-formed UTF-8 stays as it is.
  EXPECT_EQ(JsonString("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91"),
            "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91\"");
  // Each byte of what is not becomes U+FFFD: a stray continuation byte, a
  // bad lead byte, a truncated sequence, an overlong form, a surrogate.
  EXPECT_EQ(JsonString("\x80"), "\"\\ufffd\"");
  EXPECT_EQ(JsonString("a\xff"), "\"a\\ufffd\"");
  EXPECT_EQ(JsonString("\xc3"), "\"\\ufffd\"");
  EXPECT_EQ(JsonString("\xc0\xaf"), "\"\\ufffd\\ufffd\"");
  EXPECT_EQ(JsonString("\xed\xa0\x80x"), "\"\\ufffd\\ufffd\\ufffdx\"");
}

class JsonLoggerTest : public ::testing::Test {
 protected:
  JsonLoggerTest()
      : sink_(std::make_shared<spdlog::sinks::ostream_sink_mt>(out_)), logger_("openadcsd", sink_) {
    logger_.set_formatter(std::make_unique<JsonLogFormatter>());
    logger_.set_level(spdlog::level::trace);
  }

  std::vector<std::string> Lines() const {
    std::vector<std::string> lines;
    std::istringstream in(out_.str());
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }

  std::ostringstream out_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
  spdlog::logger logger_;
};

TEST_F(JsonLoggerTest, OneObjectPerRecordWithStructuredFields) {
  logger_.info("[req {}] issued to {} for {}: serial {}", 42, "EXAMPLE\\alice", "User", "7f01");
  logger_.warn("icpr: {} from {}: refused", "EXAMPLE\\bob", "192.0.2.1");
  logger_.error("ca security: {} may not enroll", "EXAMPLE\\eve");
  logger_.critical("Database: two\nlines");
  const std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 4u) << out_.str();

  static const std::regex kStart(
      R"(^\{"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z","level":"[a-z]+","logger":"openadcsd",)");
  for (const std::string& line : lines) {
    EXPECT_TRUE(std::regex_search(line, kStart)) << line;
    EXPECT_EQ(line.back(), '}') << line;
  }
  EXPECT_THAT(lines[0], HasSubstr("\"level\":\"info\""));
  EXPECT_THAT(lines[0],
              HasSubstr("\"message\":\"[req 42] issued to EXAMPLE\\\\alice for User: serial "
                        "7f01\",\"request_id\":42}"));
  EXPECT_THAT(lines[1], HasSubstr("\"level\":\"warning\""));
  EXPECT_THAT(lines[1], HasSubstr(",\"component\":\"icpr\"}"));
  EXPECT_THAT(lines[1], Not(HasSubstr("request_id")));
  EXPECT_THAT(lines[2], HasSubstr(",\"component\":\"ca security\"}"));
  EXPECT_THAT(lines[3], HasSubstr("\"message\":\"Database: two\\nlines\"}"));
  EXPECT_THAT(lines[3], Not(HasSubstr("component")));
}

TEST_F(JsonLoggerTest, PrefixesThatAreNotFieldsStayInTheMessage) {
  logger_.info("[req x] not an id");
  logger_.info("[req 12 no bracket");
  logger_.info("rpc connection 5 from 127.0.0.1 to port 135");
  logger_.info("a  b: two spaces");
  for (const std::string& line : Lines()) {
    EXPECT_THAT(line, Not(HasSubstr("request_id"))) << line;
    EXPECT_THAT(line, Not(HasSubstr("component"))) << line;
  }
}

TEST_F(JsonLoggerTest, TheCallBeingServedNamesItsCaller) {
  {
    const LogContext who{"EXAMPLE\\alice", "192.0.2.7", 12};
    const ScopedLogContext scoped(who);
    logger_.info("[req 3] pending");
    const LogContext anonymous{"", "::1", 13};
    const ScopedLogContext inner(anonymous);
    logger_.info("epm: lookup");
  }
  logger_.info("outside any call");
  const std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_THAT(lines[0], HasSubstr(",\"request_id\":3,\"caller\":\"EXAMPLE\\\\alice\","
                                  "\"peer\":\"192.0.2.7\",\"connection\":12}"));
  EXPECT_THAT(lines[1], HasSubstr(",\"component\":\"epm\",\"peer\":\"::1\",\"connection\":13}"));
  EXPECT_THAT(lines[2], Not(HasSubstr("peer")));
}

// What a SIEM does with the lines: Python's json module reads each back,
// with the message intact.
TEST_F(JsonLoggerTest, LinesParseBackWithPython) {
  logger_.info("[req 7] quote \" backslash \\ tab \t bell \x07 caf\xc3\xa9 bad \xff end");
  logger_.info("icpr: plain");
  testing::TempDir dir;
  const std::filesystem::path file = dir.path() / "log.jsonl";
  std::ofstream(file) << out_.str();
  const std::string check =
      "import json, sys\n"
      "lines = open(sys.argv[1], encoding='utf-8').read().split('\\n')\n"
      "assert lines[-1] == '', lines\n"
      "records = [json.loads(l) for l in lines[:-1]]\n"
      "assert len(records) == 2, records\n"
      "assert records[0]['message'] == "
      "'[req 7] quote \" backslash \\\\ tab \\t bell \\x07 caf\\u00e9 bad \\ufffd end', "
      "records[0]\n"
      "assert records[0]['request_id'] == 7\n"
      "assert records[1]['component'] == 'icpr'\n"
      "assert all(r['logger'] == 'openadcsd' and r['level'] == 'info' for r in records)\n";
  const std::filesystem::path script = dir.path() / "check.py";
  std::ofstream(script) << check;
  const std::string command = "/usr/bin/python3 " + script.string() + " " + file.string();
  EXPECT_EQ(std::system(command.c_str()), 0) << out_.str();
}

}  // namespace
}  // namespace openadcs::daemon
