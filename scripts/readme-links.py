#!/usr/bin/env python3
"""Checks the links of a crate's packaged README (scripts/test-crates).

Reads Markdown on stdin; NAME (argv[1]) only labels the messages. Every
link — inline `[text](target)` and images, reference definitions
`[label]: target`, autolinks `<https://…>` and HTML `href`/`src` — must be
absolute (`https://`) or an anchor (`#slug`) of a heading in the same file:
a relative link such as `docs/cli.md` resolves on GitHub but breaks on
crates.io and docs.rs. Code blocks and code spans are not links. Prints
each bad link and exits 1 when there is one; exits 0 otherwise.
"""
import re
import sys


def slug(heading):
    """GitHub's anchor of a heading: lower case, punctuation dropped,
    spaces as hyphens."""
    text = re.sub(r"`([^`]*)`", r"\1", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else "README.md"
    prose = []
    fence = None
    for line in sys.stdin.read().splitlines():
        marker = re.match(r"\s*(`{3,}|~{3,})", line)
        if fence is None and marker:
            fence = marker.group(1)[0] * 3
            continue
        if fence is not None:
            if line.strip().startswith(fence):
                fence = None
            continue
        prose.append(line)
    anchors = set()
    for line in prose:
        heading = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if heading:
            anchors.add(slug(heading.group(1)))
    text = re.sub(r"`[^`\n]*`", "", "\n".join(prose))
    targets = re.findall(r"\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)", text)
    targets += re.findall(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S*?)>?(?:\s|$)", text, re.M)
    targets += re.findall(r"<([a-zA-Z][a-zA-Z0-9+.-]*:[^>\s]*)>", text)
    targets += re.findall(r"\b(?:href|src)\s*=\s*[\"']([^\"']*)[\"']", text)
    bad = []
    for target in targets:
        if target.startswith("https://") and len(target) > len("https://"):
            continue
        if target.startswith("#") and target[1:] in anchors:
            continue
        bad.append(target)
    for target in bad:
        why = "no such heading" if target.startswith("#") else "not absolute (https://)"
        print(f"{name}: link `{target}`: {why}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
