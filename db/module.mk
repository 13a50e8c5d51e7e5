# db/: libpq wrapper, migration runner, and the migrations compiled in.
MIGRATIONS := $(sort $(wildcard db/migrations/[0-9][0-9][0-9][0-9]_*.sql))
db_SRCS := $(filter-out %_main.c,$(wildcard db/*.c)) $(BUILD)/gen/db_migrations.c

$(BUILD)/gen/db_migrations.c: $(MIGRATIONS) db/embed.sh
	@mkdir -p $(@D)
	$(call say,GEN,$@)
	$(Q)db/embed.sh $@ $(MIGRATIONS)
