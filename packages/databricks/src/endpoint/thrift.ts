// The TCLIService bindings generated from Databricks' IDL, as the driver ships them (its thrift/
// folder), and the thrift runtime it uses: the reference endpoint reads and writes exactly the
// structures the driver does.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const dbsql = require('@databricks/sql') as { thrift: { TCLIService: any; TCLIService_types: any } };

/** TCLIService_types (structs and enums) of @databricks/sql. */
export const T: any = dbsql.thrift.TCLIService_types;
/** The generated TCLIService (its Processor serves a handler). */
export const TCLIService: any = dbsql.thrift.TCLIService;
/** The thrift runtime @databricks/sql uses (TBufferedTransport, TBinaryProtocol). */
export const thrift: any = require('thrift');
