'use strict';
// Smoke-test chaincode for the native Fabric network (scripts/fabric/smoke).
// Plain CommonJS, no decorators: fabric-contract-api then exposes every
// public method of the class as a transaction. Dependencies resolve from
// the repository's node_modules (fabric-contract-api 2.5.8).
const { Contract } = require('fabric-contract-api');

class SmokeContract extends Contract {
  constructor() {
    super('smoke');
  }

  // Put(key, value): store value under key and emit one chaincode event
  // "SmokePut" whose payload names the key, value, transaction and caller.
  async Put(ctx, key, value) {
    if (!key) throw new Error('Put: empty key');
    await ctx.stub.putState(key, Buffer.from(value, 'utf8'));
    const event = {
      key,
      value,
      txId: ctx.stub.getTxID(),
      mspId: ctx.clientIdentity.getMSPID(),
    };
    ctx.stub.setEvent('SmokePut', Buffer.from(JSON.stringify(event), 'utf8'));
    return JSON.stringify(event);
  }

  // Get(key): the stored value; an error if the key was never written.
  async Get(ctx, key) {
    const data = await ctx.stub.getState(key);
    if (!data || data.length === 0) throw new Error(`Get: no value for key ${key}`);
    return data.toString('utf8');
  }
}

module.exports.contracts = [SmokeContract];
