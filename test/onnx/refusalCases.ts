// Every input the loader must refuse (issue 2, item 3), as files in a temp folder, with the words
// the one-line error must contain. Shared by the engine tests and the CLI exit-code tests.
import { create } from '@bufbuild/protobuf';
import { StringStringEntryProtoSchema, TensorProto_DataLocation as DataLocation } from 'onnx-buf';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataType, encodeModel, floatTensor, graph, model, node, valueInfo } from '../../src/engine/onnx/builder';
import { CLS_MODEL, tensor, values } from '../helpers/models';
import type { TensorProto } from 'onnx-buf';

export interface RefusalCase {
  name: string;
  /** The file to load. */
  path: string;
  /** What the error line must say (after the file name). */
  problem: RegExp;
}

const identityModel = (t: TensorProto): Uint8Array =>
  encodeModel(model(graph({ nodes: [node('Identity', [t.name], ['y'])], inputs: [], outputs: [valueInfo('y', t.dims.map(Number))], initializers: [t] })));

/** A float tensor W[16] (64 bytes) stored externally at `location`. */
function externalTensor(location: string, offset = 0, length = 64): TensorProto {
  return tensor({
    name: 'W',
    dims: [16n],
    dataType: DataType.FLOAT,
    dataLocation: DataLocation.EXTERNAL,
    externalData: [
      create(StringStringEntryProtoSchema, { key: 'location', value: location }),
      create(StringStringEntryProtoSchema, { key: 'offset', value: String(offset) }),
      create(StringStringEntryProtoSchema, { key: 'length', value: String(length) }),
    ],
  });
}

export function refusalCases(): RefusalCase[] {
  const root = mkdtempSync(join(tmpdir(), 'sbnn-refuse-'));
  const cls = readFileSync(CLS_MODEL);
  const cases: RefusalCase[] = [];
  /** Each case in its own folder, so external files and symlinks cannot interfere. */
  const add = (name: string, problem: RegExp, write: (dir: string) => string): void => {
    const dir = join(root, name.replace(/[^a-z0-9]+/gi, '_'));
    mkdirSync(dir);
    cases.push({ name, path: write(dir), problem });
  };
  const file = (dir: string, name: string, bytes: Uint8Array | string): string => {
    writeFileSync(join(dir, name), bytes);
    return join(dir, name);
  };
  // Outside every case folder: the target of escaping paths.
  const outside = file(root, 'outside.bin', new Uint8Array(values(16, 9).buffer));

  add('text file', /not an ONNX model/, (d) => file(d, 'notes.onnx', 'hello, this is a text file\nnot a model\n'));
  add('PNG header', /not an ONNX model/, (d) => file(d, 'image.onnx', Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)])));
  add('random bytes', /not an ONNX model/, (d) => file(d, 'random.onnx', new Uint8Array(values(1024, 77).buffer)));
  add('empty file', /empty file/, (d) => file(d, 'empty.onnx', new Uint8Array(0)));
  add('truncated model', /truncated/, (d) => file(d, 'truncated.onnx', cls.subarray(0, Math.floor(cls.length / 2))));
  // An invalid wire type (7) right after ir_version: no protobuf parser can read past it.
  add('corrupt protobuf', /corrupt/, (d) => file(d, 'corrupt.onnx', Buffer.concat([cls.subarray(0, 2), Buffer.from([0x0f]), cls.subarray(2)])));
  add('raw_data shorter than the shape', /needs 64 bytes but raw_data holds 60/, (d) =>
    file(d, 'raw.onnx', identityModel(tensor({ name: 'W', dims: [16n], dataType: DataType.FLOAT, rawData: new Uint8Array(60) }))),
  );
  // A name with a newline (as a corrupt file can have) must not break the one-line message.
  add('size mismatch in a tensor whose name has a newline', /"W\\nx\\u0000": shape \[16\] needs 64 bytes/, (d) =>
    file(d, 'newline.onnx', identityModel(tensor({ name: 'W\nx\u0000', dims: [16n], dataType: DataType.FLOAT, rawData: new Uint8Array(4) }))),
  );
  add('typed data longer than the shape', /needs 4 values but the tensor holds 5/, (d) =>
    file(d, 'typed.onnx', identityModel(tensor({ name: 'W', dims: [2n, 2n], dataType: DataType.FLOAT, floatData: [1, 2, 3, 4, 5] }))),
  );
  add('external data: absolute path', /"W".*absolute/, (d) => file(d, 'abs.onnx', identityModel(externalTensor(outside))));
  add('external data: path with ..', /"W".*contains "\.\."/, (d) => file(d, 'dotdot.onnx', identityModel(externalTensor('../outside.bin'))));
  add('external data: symlink escaping the folder', /"W".*outside the model's folder/, (d) => {
    symlinkSync(outside, join(d, 'w.bin'));
    return file(d, 'symlink.onnx', identityModel(externalTensor('w.bin')));
  });
  add('external data: symlinked folder escaping', /"W".*outside the model's folder/, (d) => {
    symlinkSync(root, join(d, 'sub'));
    return file(d, 'symdir.onnx', identityModel(externalTensor('sub/outside.bin')));
  });
  add('external data: range past the end', /"W".*past the end/, (d) => {
    file(d, 'w.bin', new Uint8Array(100));
    return file(d, 'range.onnx', identityModel(externalTensor('w.bin', 64, 64)));
  });
  add('external data: length not matching the shape', /"W".*length 60 does not match/, (d) => {
    file(d, 'w.bin', new Uint8Array(100));
    return file(d, 'len.onnx', identityModel(externalTensor('w.bin', 0, 60)));
  });
  add('external data: a folder', /"W".*is not a file/, (d) => {
    mkdirSync(join(d, 'sub'));
    return file(d, 'folder.onnx', identityModel(externalTensor('sub', 0, 64)));
  });
  add('typed data in the wrong field for its type', /FLOAT values stored in int32Data instead of floatData/, (d) =>
    file(d, 'field.onnx', identityModel(tensor({ name: 'W', dims: [2n], dataType: DataType.FLOAT, int32Data: [1, 2] }))),
  );
  add('external data: missing file', /"W".*not found/, (d) => file(d, 'missing.onnx', identityModel(externalTensor('nowhere.bin'))));
  add('empty graph', /empty graph/, (d) => file(d, 'emptygraph.onnx', encodeModel(model(graph({ nodes: [], inputs: [], outputs: [], initializers: [floatTensor('W', [1], [1])] })))));
  add('no such file', /no such file/, (d) => join(d, 'absent.onnx'));
  add('a folder', /is a folder/, (d) => {
    mkdirSync(join(d, 'dir.onnx'));
    return join(d, 'dir.onnx');
  });
  return cases;
}
