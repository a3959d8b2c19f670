"""The assignment syntaxes the quality corpus writes a secret in, one renderer per family.

Real leaks sit in many languages and config formats, and a scanner written for `.env` and
Python misses the rest; recall is reported per syntax family so that gap shows. Each syntax
knows its file (path, header, footer, filler lines), how its language spells a variable name
(UPPER_SNAKE, camelCase, PascalCase, snake_case, dotted), and renders one assignment as lines
plus the line span a scanner may report the secret at (the name line through the value line).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

Render = Callable[[str, str, int], tuple[list[str], int, int]]  # (name, value, n) -> lines, span


def words(name: str) -> list[str]:
    return [w for w in re.split(r"[_\-.]+", name) if w]


def upper(name: str) -> str:
    return "_".join(w.upper() for w in words(name))


def snake(name: str) -> str:
    return "_".join(w.lower() for w in words(name))


def camel(name: str) -> str:
    parts = [w.lower() for w in words(name)]
    return parts[0] + "".join(p.capitalize() for p in parts[1:])


def pascal(name: str) -> str:
    return "".join(w.lower().capitalize() for w in words(name))


def dotted(name: str) -> str:
    return "acme." + ".".join(w.lower() for w in words(name))


_YAML_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_./:+=-]*")


def yaml_scalar(value: str) -> str:
    return value if _YAML_PLAIN.fullmatch(value) else json.dumps(value)


def _one(line: str) -> tuple[list[str], int, int]:
    return [line], 0, 0


@dataclass(frozen=True)
class Syntax:
    name: str
    path: str  # inside the family's folder
    header: tuple[str, ...]
    footer: tuple[str, ...]
    noise: tuple[str, ...]
    render: Render
    forbidden: str = ""  # characters the syntax would expand or end the value on
    baseline: bool = False  # a syntax the generic rules were written for


def _php_concat(name: str, value: str, n: int) -> tuple[list[str], int, int]:
    var = camel(name)
    return [f"${var} = '';", f"${var} .= '{value}';"], 0, 1


def _makefile(name: str, value: str, n: int) -> tuple[list[str], int, int]:
    operator = ("?=", "::=", ":::=")[n % 3]
    return _one(f"{upper(name)} {operator} {value}")


def _xml_next_line(name: str, value: str, n: int) -> tuple[list[str], int, int]:
    tag = camel(name)
    return [f"  <{tag}>", f"    {value}", f"  </{tag}>"], 0, 1


def _json_escaped_env(name: str, value: str, n: int) -> tuple[list[str], int, int]:
    text = f"APP_ENV=production\n{upper(name)}={value}\nLOG_LEVEL=info\n"
    return _one(f'  "env_file_{n}": {json.dumps(text)},')


def _yaml_quoted_key(name: str, value: str, n: int) -> tuple[list[str], int, int]:
    if n % 2:
        return _one(f"  '{upper(name)}': {yaml_scalar(value)}")
    return _one(f'  "{snake(name)}": {json.dumps(value)}')


def _terraform_heredoc(name: str, value: str, n: int) -> tuple[list[str], int, int]:
    return [f"  {snake(name)} = <<-EOT", f"    {value}", "  EOT"], 0, 1


def _notebook(name: str, value: str, n: int) -> tuple[list[str], int, int]:
    code = f'{upper(name)} = "{value}"\n' if n % 2 else f"os.environ['{upper(name)}'] = '{value}'\n"
    lines = [
        "  {",
        '   "cell_type": "code",',
        '   "execution_count": null,',
        '   "metadata": {},',
        '   "outputs": [],',
        '   "source": [',
        '    "import os\\n",',
        f"    {json.dumps(code)}",
        "   ]",
        "  },",
    ]
    return lines, 7, 7


def _shell_export(name: str, value: str, n: int) -> tuple[list[str], int, int]:
    return _one(f'export {upper(name)}="{value}"' if n % 2 else f"export {upper(name)}={value}")


def _dockerfile(name: str, value: str, n: int) -> tuple[list[str], int, int]:
    form = (
        f"ENV {upper(name)}={value}",
        f"ARG {upper(name)}={value}",
        f"ENV {upper(name)} {value}",
    )
    return _one(form[n % 3])


def _k8s_env(name: str, value: str, n: int) -> tuple[list[str], int, int]:
    return [f"            - name: {upper(name)}", f"              value: {json.dumps(value)}"], 0, 1


def _csharp(name: str, value: str, n: int) -> tuple[list[str], int, int]:
    if n % 2:
        return _one(f'        public static readonly string {pascal(name)} = "{value}";')
    return _one(f'        private const string {pascal(name)} = "{value}";')


def _ruby_hash(name: str, value: str, n: int) -> tuple[list[str], int, int]:
    if n % 2:
        return _one(f'  "{snake(name)}" => "{value}",')
    return _one(f'  {snake(name)}: "{value}",')


_NOTEBOOK_FOOTER = (
    "  {",
    '   "cell_type": "markdown",',
    '   "metadata": {},',
    '   "source": ["Results"]',
    "  }",
    " ],",
    ' "metadata": {"kernelspec": {"name": "python3"}},',
    ' "nbformat": 4,',
    ' "nbformat_minor": 5',
    "}",
)

SYNTAXES: tuple[Syntax, ...] = (
    Syntax(
        "python",
        "app/settings.py",
        ("import os", ""),
        (),
        ("DEBUG = False", "TIMEOUT = 30", "ALLOWED_HOSTS = ['acme.test']"),
        lambda k, v, n: _one(f'{upper(k)} = "{v}"'),
        baseline=True,
    ),
    Syntax(
        "javascript",
        "web/src/config.js",
        ("'use strict';", ""),
        ("", "module.exports = {};"),
        ("const retries = 3;", "// staging values"),
        lambda k, v, n: _one(f'const {camel(k)} = "{v}";'),
        baseline=True,
    ),
    Syntax(
        "typescript",
        "web/src/env.ts",
        (),
        (),
        ("export const REGION: string = 'eu-west-1';",),
        lambda k, v, n: _one(f"export const {upper(k)}: string = '{v}';"),
    ),
    Syntax(
        "go-short-assign",
        "cmd/server/main.go",
        ("package main", "", "func configure() {"),
        ("}",),
        ('\tregion := "eu-west-1"', "\t// staging cluster"),
        lambda k, v, n: _one(f'\t{camel(k)} := "{v}"'),
    ),
    Syntax(
        "go-var",
        "internal/config/config.go",
        ("package config", ""),
        (),
        ('var region string = "eu-west-1"',),
        lambda k, v, n: _one(f'var {camel(k)} string = "{v}"'),
    ),
    Syntax(
        "php-concat",
        "public/config.php",
        ("<?php",),
        (),
        ("$debug = false;",),
        _php_concat,
        forbidden="'",
    ),
    Syntax(
        "php-define",
        "wp-content/config-local.php",
        ("<?php",),
        (),
        ("define('WP_DEBUG', false);",),
        lambda k, v, n: _one(f"define('{upper(k)}', '{v}');"),
        forbidden="'",
    ),
    Syntax(
        "makefile",
        "Makefile",
        (),
        ("", "deploy:", "\t./scripts/deploy.sh"),
        ("REGION ?= eu-west-1",),
        _makefile,
        forbidden="$#",
    ),
    Syntax(
        "xml-next-line",
        "conf/app-config.xml",
        ('<?xml version="1.0"?>', "<settings>"),
        ("</settings>",),
        ("  <region>eu-west-1</region>",),
        _xml_next_line,
        forbidden="<>&",
    ),
    Syntax(
        "java-properties",
        "src/main/resources/application.properties",
        (),
        (),
        ("server.port=8080", "spring.application.name=billing"),
        lambda k, v, n: _one(f"{dotted(k)}={v}"),
        forbidden="\\#!",
    ),
    Syntax(
        "json-escaped-env",
        "deploy/env-files.json",
        ("{",),
        ('  "version": 1', "}"),
        ('  "region": "eu-west-1",',),
        _json_escaped_env,
    ),
    Syntax(
        "yaml-quoted-key",
        "config/secrets.yaml",
        ("production:",),
        (),
        ('  "region": "eu-west-1"',),
        _yaml_quoted_key,
    ),
    Syntax(
        "terraform-heredoc",
        "infra/main.tf",
        ('resource "acme_service" "api" {',),
        ("}",),
        ('  region = "eu-west-1"',),
        _terraform_heredoc,
    ),
    Syntax(
        "notebook",
        "notebooks/explore.ipynb",
        ("{", ' "cells": ['),
        _NOTEBOOK_FOOTER,
        (),
        _notebook,
        forbidden="'\"",
    ),
    Syntax(
        "shell-export",
        "scripts/env.sh",
        ("#!/bin/sh",),
        (),
        ("set -eu", 'cd "$(dirname "$0")"'),
        _shell_export,
        forbidden="$`!\"'\\&;|<>()",
    ),
    Syntax(
        "dockerfile",
        "Dockerfile",
        ("FROM python:3.12-slim", "WORKDIR /app"),
        ('CMD ["python", "-m", "app"]',),
        ("COPY . .",),
        _dockerfile,
        forbidden="$\\",
    ),
    Syntax(
        "compose-env-list",
        "docker-compose.yml",
        ("services:", "  api:", "    image: acme/api:1.4", "    environment:"),
        (),
        ("      - LOG_LEVEL=info",),
        lambda k, v, n: _one(f"      - {upper(k)}={v}"),
        forbidden="$",
    ),
    Syntax(
        "kubernetes-env",
        "k8s/deployment.yaml",
        (
            "apiVersion: apps/v1",
            "kind: Deployment",
            "spec:",
            "  template:",
            "    spec:",
            "      containers:",
            "        - name: api",
            "          env:",
        ),
        (),
        ("            - name: LOG_LEVEL\n              value: info",),
        _k8s_env,
    ),
    Syntax(
        "csharp-const",
        "src/Acme/Settings.cs",
        ("namespace Acme", "{", "    public static class Settings", "    {"),
        ("    }", "}"),
        ("        public const int Port = 8080;",),
        _csharp,
        forbidden='"\\',
    ),
    Syntax(
        "java-const",
        "src/main/java/com/acme/Config.java",
        ("package com.acme;", "", "public final class Config {"),
        ("}",),
        ("    private static final int PORT = 8080;",),
        lambda k, v, n: _one(f'    private static final String {upper(k)} = "{v}";'),
        forbidden='"\\',
    ),
    Syntax(
        "ruby-hash",
        "config/initializers/acme.rb",
        ("ACME_CONFIG = {",),
        ("}.freeze",),
        ('  region: "eu-west-1",',),
        _ruby_hash,
        forbidden='"\\#',
    ),
    Syntax(
        "dotenv",
        ".env",
        ("# local settings",),
        (),
        ("APP_ENV=staging",),
        lambda k, v, n: _one(f"{upper(k)}={v}"),
        forbidden="#",
        baseline=True,
    ),
    Syntax(
        "json",
        "config/settings.json",
        ("{",),
        ('  "service": "billing"', "}"),
        ('  "region": "eu-west-1",',),
        lambda k, v, n: _one(f'  "{camel(k)}": {json.dumps(v)},'),
        baseline=True,
    ),
    Syntax(
        "yaml",
        "config/application.yml",
        ("default:",),
        (),
        ("  region: eu-west-1",),
        lambda k, v, n: _one(f"  {snake(k)}: {yaml_scalar(v)}"),
        baseline=True,
    ),
)

BY_NAME = {s.name: s for s in SYNTAXES}


def fits(syntax: Syntax, value: str) -> bool:
    return not any(c in value for c in syntax.forbidden)
