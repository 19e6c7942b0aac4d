#!/usr/bin/env bash
# One command to run the service on local defaults: installs what is missing, starts Milvus Lite
# and Neo4j (unless MILVUS_ADDRESS / NEO4J_URI point elsewhere), then serves GraphQL with Apollo
# Sandbox at http://localhost:4000/graphql. Ctrl-C stops the service and the local services this
# script started.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/local-services.sh"

node --import tsx src/main.ts &
server=$!
trap 'kill -INT $server 2>/dev/null || true' INT TERM
wait $server || true
wait $server 2>/dev/null || true
