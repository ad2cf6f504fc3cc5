"""argparse type= functions: bad numbers end in argparse's one-line error, exit code 2."""

import argparse

import pytest

from hdr_live.cli.arg_types import frame_rate, non_negative_int, positive_int


@pytest.mark.parametrize("fn, text, value", [
    (frame_rate, "30", 30.0), (frame_rate, "0.01", 0.01), (frame_rate, "1000", 1000.0),
    (positive_int, "1", 1), (positive_int, " 12 ", 12),
    (non_negative_int, "0", 0), (non_negative_int, "3", 3),
])
def test_good_values(fn, text, value):
    assert fn(text) == value


@pytest.mark.parametrize("fn, text, message", [
    (frame_rate, "0", "frame rate from"), (frame_rate, "-5", "frame rate from"),
    (frame_rate, "nan", "frame rate from"), (frame_rate, "1e9", "frame rate from"),
    (frame_rate, "", "not a number"),
    (positive_int, "0", "1 or more"), (positive_int, "-3", "1 or more"),
    (positive_int, "1.5", "not a whole number"), (positive_int, "1e3", "not a whole number"),
    (non_negative_int, "-1", "0 or more"), (non_negative_int, "x", "not a whole number"),
])
def test_bad_values(fn, text, message):
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        fn(text)


def test_argparse_prints_one_line_and_exits_2(capsys):
    parser = argparse.ArgumentParser(prog="hdr-live process")
    parser.add_argument("--fps", type=frame_rate)
    parser.add_argument("--max-frames", type=positive_int)
    for argv in (["--fps", "nan"], ["--max-frames", "0"]):
        with pytest.raises(SystemExit) as exit_info:
            parser.parse_args(argv)
        assert exit_info.value.code == 2
        err = capsys.readouterr().err
        assert f"argument {argv[0]}:" in err and "Traceback" not in err
