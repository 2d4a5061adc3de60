// FAKE PINECONE — a local stand-in for contract tests, NOT Pinecone (see server.ts).
export { startFakePinecone, type FakePinecone, type FakePineconeOptions } from './server.js';
