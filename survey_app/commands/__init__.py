"""The `huifang` subcommands, one module per family; `survey_app.cli.COMMANDS` says which is where."""
