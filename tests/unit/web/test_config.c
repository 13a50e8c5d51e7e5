/*
 * test_config.c - the strict `key = value` parser, the environment, and
 * a mutation sweep.
 */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/limits.h"
#include "tests/harness/mutate.h"
#include "tests/harness/test.h"
#include "web/config.h"

static const char sample[] =
    "# Ippyo server\n"
    "\n"
    "listen_address = 0.0.0.0\n"
    "listen_port\t=\t8443\n"
    "tls_cert = /etc/ippyo/cert.pem\n"
    "tls_key=/etc/ippyo/key.pem\n"
    "database_url = host=/run/postgresql dbname=ippyo user=ippyo_server\n"
    "origin = https://vote.example.jp\n"
    "timeout_s = 10\n";

static int
parse(const char *s, size_t *line)
{
	struct config c;

	config_defaults(&c);
	return config_parse(s, strlen(s), &c, line);
}

TEST(config_defaults_are_loopback_and_the_limit)
{
	struct config c;

	config_defaults(&c);
	ASSERT_STR_EQ(c.listen_address, "127.0.0.1");
	ASSERT_INT_EQ(c.listen_port, 8080);
	ASSERT_INT_EQ(c.timeout_s, LIMIT_HTTP_TIMEOUT_S);
	ASSERT_STR_EQ(c.tls_cert, "");
	ASSERT_STR_EQ(c.database_url, "");
}

TEST(config_parses_every_key)
{
	struct config c;
	size_t line = 99;

	config_defaults(&c);
	ASSERT_OK(config_parse(sample, strlen(sample), &c, &line));
	ASSERT_INT_EQ(line, 0);
	ASSERT_STR_EQ(c.listen_address, "0.0.0.0");
	ASSERT_INT_EQ(c.listen_port, 8443);
	ASSERT_STR_EQ(c.tls_cert, "/etc/ippyo/cert.pem");
	ASSERT_STR_EQ(c.tls_key, "/etc/ippyo/key.pem");
	ASSERT_STR_EQ(c.database_url,
	    "host=/run/postgresql dbname=ippyo user=ippyo_server");
	ASSERT_STR_EQ(c.origin, "https://vote.example.jp");
	ASSERT_INT_EQ(c.timeout_s, 10);
	ASSERT_OK(config_check(&c, NULL));
	ASSERT_OK(parse("", NULL));
	ASSERT_OK(parse("listen_address = ::1\n", NULL));
}

TEST(config_refuses_with_the_line)
{
	size_t line;

	ASSERT_ERR(parse("listen_port = 1\nlisten_prot = 2\n", &line),
	    ERR_FORMAT);
	ASSERT_INT_EQ(line, 2);
	ASSERT_ERR(parse("listen_port = 1\n\nlisten_port = 2\n", &line),
	    ERR_DUPLICATE);
	ASSERT_INT_EQ(line, 3);
	ASSERT_ERR(parse("listen_port = 1", &line), ERR_FORMAT);
	ASSERT_INT_EQ(line, 1);
	ASSERT_ERR(parse("listen_port = 1\r\n", &line), ERR_FORMAT);
	ASSERT_ERR(parse(" listen_port = 1\n", &line), ERR_FORMAT);
	ASSERT_ERR(parse("listen_port = 1 \n", &line), ERR_FORMAT);
	ASSERT_ERR(parse("listen_port =\n", &line), ERR_FORMAT);
	ASSERT_ERR(parse("listen_port 1\n", &line), ERR_FORMAT);
	ASSERT_ERR(parse("LISTEN_PORT = 1\n", &line), ERR_FORMAT);
	ASSERT_ERR(parse("listen_port = 1 # comment\n", &line), ERR_FORMAT);
	ASSERT_ERR(parse("listen_port = 65536\n", &line), ERR_RANGE);
	ASSERT_ERR(parse("listen_port = 080\n", &line), ERR_FORMAT);
	ASSERT_ERR(parse("listen_port = -1\n", &line), ERR_FORMAT);
	ASSERT_ERR(parse("timeout_s = 0\n", &line), ERR_RANGE);
	ASSERT_ERR(parse("timeout_s = 16\n", &line), ERR_RANGE);
	ASSERT_ERR(parse("listen_address = localhost\n", &line), ERR_FORMAT);
	ASSERT_ERR(parse("listen_address = 127.0.0.01\n", &line), ERR_FORMAT);
	ASSERT_ERR(parse("origin = http://vote.example.jp\n", &line),
	    ERR_FORMAT);
	ASSERT_ERR(parse("origin = https://vote.example.jp/\n", &line),
	    ERR_FORMAT);
	ASSERT_ERR(parse("tls_cert = a\x01z\n", &line), ERR_FORMAT);
	ASSERT_ERR(parse("tls_cert = \xff\n", &line), ERR_FORMAT);
	{
		static const char nul[] = "tls_cert = a\0b\n";
		struct config c;

		config_defaults(&c);
		ASSERT_ERR(config_parse(nul, sizeof(nul) - 1, &c, &line),
		    ERR_FORMAT);
	}
	{
		char *big = malloc(CONFIG_VALUE_MAX + 32);

		ASSERT_NOT_NULL(big);
		memcpy(big, "tls_cert = ", 11);
		memset(big + 11, 'a', CONFIG_VALUE_MAX + 1);
		big[11 + CONFIG_VALUE_MAX + 1] = '\n';
		big[11 + CONFIG_VALUE_MAX + 2] = '\0';
		ASSERT_ERR(parse(big, &line), ERR_TOO_LARGE);
		free(big);
	}
}

TEST(config_check_wants_a_database_and_both_tls_files)
{
	struct config c;
	const char *why = NULL;

	config_defaults(&c);
	ASSERT_ERR(config_check(&c, &why), ERR_USAGE);
	ASSERT_NOT_NULL(why);
	ASSERT_OK(config_parse("database_url = x\n", 17, &c, NULL));
	ASSERT_OK(config_check(&c, &why));
	ASSERT_NULL(why);
	config_defaults(&c);
	ASSERT_OK(config_parse("database_url = x\ntls_cert = c\n", 30, &c,
	    NULL));
	ASSERT_ERR(config_check(&c, &why), ERR_USAGE);
}

TEST(config_environment_overrides_the_file)
{
	struct config c;
	const char *var = NULL;

	config_defaults(&c);
	ASSERT_OK(config_parse(sample, strlen(sample), &c, NULL));
	setenv("IPPYO_LISTEN_PORT", "9000", 1);
	setenv("IPPYO_ORIGIN", "https://127.0.0.1:9000", 1);
	unsetenv("IPPYO_DATABASE_URL");
	setenv("DATABASE_URL", "host=/elsewhere", 1);
	ASSERT_OK(config_from_env(&c, &var));
	ASSERT_INT_EQ(c.listen_port, 9000);
	ASSERT_STR_EQ(c.origin, "https://127.0.0.1:9000");
	/* DATABASE_URL is only a fallback when the file has none. */
	ASSERT_STR_EQ(c.database_url,
	    "host=/run/postgresql dbname=ippyo user=ippyo_server");
	config_defaults(&c);
	ASSERT_OK(config_from_env(&c, &var));
	ASSERT_STR_EQ(c.database_url, "host=/elsewhere");
	setenv("IPPYO_DATABASE_URL", "host=/first", 1);
	ASSERT_OK(config_from_env(&c, &var));
	ASSERT_STR_EQ(c.database_url, "host=/first");
	setenv("IPPYO_LISTEN_PORT", "90000", 1);
	ASSERT_ERR(config_from_env(&c, &var), ERR_RANGE);
	ASSERT_STR_EQ(var, "IPPYO_LISTEN_PORT");
	unsetenv("IPPYO_LISTEN_PORT");
	unsetenv("IPPYO_ORIGIN");
	unsetenv("IPPYO_DATABASE_URL");
	unsetenv("DATABASE_URL");
}

/* Accepts only text that parses to exactly the sample's values. */
static int
same_as_sample(const uint8_t *p, size_t len, void *ctx)
{
	const struct config *want = ctx;
	struct config c;
	int r;

	config_defaults(&c);
	if ((r = config_parse((const char *)p, len, &c, NULL)) != 0)
		return r;
	c.seen = want->seen;
	return memcmp(&c, want, sizeof(c)) == 0 ? 0 : ERR_MISMATCH;
}

TEST(config_mutants_never_parse_to_the_same_configuration)
{
	/* No comments or blank lines: a flip inside a comment is harmless
	 * by design.  Every other single-bit flip, truncation or extra
	 * byte must be refused or change a value. */
	static const char text[] =
	    "listen_address = 0.0.0.0\n"
	    "listen_port = 8443\n"
	    "tls_cert = /etc/ippyo/cert.pem\n"
	    "tls_key = /etc/ippyo/key.pem\n"
	    "database_url = host=/run/postgresql dbname=ippyo\n"
	    "origin = https://vote.example.jp\n"
	    "timeout_s = 10\n";
	struct config want;

	config_defaults(&want);
	ASSERT_OK(config_parse(text, strlen(text), &want, NULL));
	ASSERT_MUTANTS_REJECTED((const uint8_t *)text, strlen(text),
	    MUTATE_ALL, same_as_sample, &want);
}
