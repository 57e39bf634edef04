# The two commands of README.md: `make demo` and `make test`.
.PHONY: demo test lint bench eval schemas

demo:
	@scripts/bootstrap.sh
	.venv/bin/newsfeed demo

test:
	@scripts/bootstrap.sh
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy schemas processors streams
	.venv/bin/python -m pytest

eval:
	@scripts/bootstrap.sh
	.venv/bin/newsfeed eval ../shared/dev/articles --gum ../shared/dev/gum_news/derived

bench:
	@scripts/bootstrap.sh
	.venv/bin/newsfeed bench --json .bench/bench.json

schemas:
	.venv/bin/newsfeed schemas export schemas/json
	.venv/bin/newsfeed schemas asyncapi -o schemas/asyncapi.json
