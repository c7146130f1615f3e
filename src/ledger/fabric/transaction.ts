// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/fabric/transaction
 * One committed transaction's request, from qscc `GetTransactionByID` (a `peer.ProcessedTransaction`:
 * the transaction envelope and its validation code), for {@link LedgerClient.getCommittedTransaction}.
 */
import type { CommittedTransaction } from '../client.js';

/**
 * Decode a serialised `peer.ProcessedTransaction`: undefined unless its validation code is VALID,
 * its channel header names `txId` and it invokes `chaincode`.
 * @throws {Error} when the bytes are not such a message
 * @example
 * ```ts
 * const tx = await committedTransactionOf(await qscc.evaluate('GetTransactionByID', …), txId, 'femeter');
 * ```
 */
export async function committedTransactionOf(
    bytes: Uint8Array,
    txId: string,
    chaincode: string,
): Promise<CommittedTransaction | undefined> {
    const { common, msp, peer } = await import('@hyperledger/fabric-protos');
    const processed = peer.ProcessedTransaction.deserializeBinary(bytes);
    if (processed.getValidationcode() !== peer.TxValidationCode.VALID) return undefined;
    const env = processed.getTransactionenvelope();
    if (env === undefined) return undefined;
    const payload = common.Payload.deserializeBinary(env.getPayload_asU8());
    const header = payload.getHeader();
    if (header === undefined) return undefined;
    const ch = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
    if (ch.getTxId() !== txId || ch.getType() !== common.HeaderType.ENDORSER_TRANSACTION)
        return undefined;
    const sh = common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8());
    const creator = msp.SerializedIdentity.deserializeBinary(sh.getCreator_asU8());
    const tx = peer.Transaction.deserializeBinary(payload.getData_asU8());
    const action = tx.getActionsList()[0];
    if (action === undefined || tx.getActionsList().length !== 1) return undefined;
    const cap = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8());
    const spec = peer.ChaincodeInvocationSpec.deserializeBinary(
        peer.ChaincodeProposalPayload.deserializeBinary(
            cap.getChaincodeProposalPayload_asU8(),
        ).getInput_asU8(),
    ).getChaincodeSpec();
    if (spec?.getChaincodeId()?.getName() !== chaincode) return undefined;
    const dec = new TextDecoder('utf-8', { fatal: true });
    const [name, ...args] = (spec.getInput()?.getArgsList_asU8() ?? []).map((a) => dec.decode(a));
    if (name === undefined) return undefined;
    return {
        transactionId: txId,
        txName: name,
        args,
        creatorMspId: creator.getMspid(),
    };
}
