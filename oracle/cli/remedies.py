"""The command line's words for the engine's remedies: the same advice as the app's, with flags.

The engine never names a flag (`oracle.engine.errors`); this is where the shell's vocabulary lives.
"""

from __future__ import annotations

from oracle.engine import OracleError, SettingError

CLI_REMEDIES = {
    "encoding": "pass --encoding {encoding}",
    "binary": "give a plain text file, or pass --encoding if it is text in another encoding",
    "other_encoding": "pass --encoding with the file's encoding, e.g. --encoding latin-1",
    "shorter_sequences": "give more text or a shorter --seq-len",
    "list_models": "`oracle models list` shows the models there are",
    "copy_shipped": "copy it first with `oracle models copy {name} NEW`",
    "replace_model": "pick another name or pass --force to replace it",
    "replace_file": "choose another file or pass --force to overwrite it",
    "import_name": "pass --name NEW or --force to replace it",
    "import_renamed": "pass --name NEW",
    "train_name": "pick another --name, pass --force to replace it, or --resume {name} to continue it",
    "device": "use --device cpu or auto",
    "lower_lr": "train again with a lower --lr (now {lr})",
}


def for_cli(err: OracleError) -> str:
    """One sentence for stderr, in the shell's words."""
    if isinstance(err, SettingError):  # the engine words it with the app's label; the shell names the flag
        from oracle.cli.flags import worded_for_cli

        return worded_for_cli(err)
    return err.worded(CLI_REMEDIES)
