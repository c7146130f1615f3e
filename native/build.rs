// femeter native accelerator: Node-API link setup (napi-build).
// SPDX-License-Identifier: Apache-2.0

fn main() {
    napi_build::setup();
}
