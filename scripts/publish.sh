#!/usr/bin/env bash
# Publishes aibench as one self-contained executable (no .NET needed on the cluster) into the given folder,
# default artifacts/aibench. Beside it: appsettings.json and wwwroot/ (the dashboard's static files).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-artifacts/aibench}
RID=${RID:-linux-x64}
dotnet publish src/Host -c Release -r "$RID" --self-contained true -nologo -clp:ErrorsOnly \
  -p:PublishSingleFile=true -p:IncludeNativeLibrariesForSelfExtract=true -p:DebugType=none \
  -p:GenerateDocumentationFile=false -o "$OUT"
echo "$OUT/aibench"
