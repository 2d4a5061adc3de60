// The startup phase: ParameterStatus, BackendKeyData, startup parameters. The area's cases, in catalog order.
export { startupCoreParameters, startupApplicationName, startupDateParameters, startupBackendKey, parameterStatusOnSet, startupGucParameter, negotiateProtocolVersion } from './parameter-status.js';
