#!/usr/bin/env bash
# Rewrites Sources/PushgateServer/API/OpenAPIDocument+Text.swift from openapi.yaml, so the
# document the binary serves is the committed one (OperationsRoutesTests checks they match).
set -euo pipefail
cd "$(dirname "$0")/.."
out=Sources/PushgateServer/API/OpenAPIDocument+Text.swift
{
  cat <<'HEADER'
// The OpenAPI document, compiled into the binary so that `pushgate` needs no resource folder
// next to it. `openapi.yaml` at the repository root is the same text for tools (a test keeps
// the two identical); edit openapi.yaml and run scripts/embed-openapi.sh.
extension OpenAPIDocument {
    static let text = #"""
HEADER
  # Eight spaces of indentation (the closing delimiter's), none on blank lines.
  sed -e 's/^\(.\)/        \1/' openapi.yaml
  printf '\n        """#\n}\n'
} >"$out.tmp"
mv "$out.tmp" "$out"
