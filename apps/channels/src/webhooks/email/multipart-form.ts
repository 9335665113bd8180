import { BadRequestException, PayloadTooLargeException } from '@nestjs/common';
import busboy from 'busboy';
import type { Request } from 'express';
import { ATTACHMENTS_MAX } from '@journey/contracts';

/** A file part of a form: what it is and how large, never its bytes (there is no file store yet). */
export interface FormFile {
  field: string;
  filename?: string;
  contentType: string;
  sizeBytes: number;
}

export interface MultipartForm {
  fields: Map<string, string>;
  files: FormFile[];
}

export interface MultipartOptions {
  /** The most bytes the whole body may have (413 past it). */
  maxBytes: number;
  /** The longest text field (a raw MIME message in SendGrid's raw mode is one). */
  maxFieldBytes: number;
  /** Sees every chunk of the body as it arrives (a signature over the exact bytes). */
  onChunk?: (chunk: Buffer) => void;
}

/**
 * Reads a multipart/form-data body as it streams (busboy): text fields kept, file parts counted and let
 * go, so an attachment of any size costs no memory and never hides the message's text.
 */
export function readMultipart(req: Request, options: MultipartOptions): Promise<MultipartForm> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        limits: { fieldSize: options.maxFieldBytes, fields: 500, files: ATTACHMENTS_MAX * 5, parts: 1000 },
        defParamCharset: 'utf8',
      });
    } catch (err) {
      reject(new BadRequestException(`unreadable multipart body: ${(err as Error).message}`));
      return;
    }
    const fields = new Map<string, string>();
    const files: FormFile[] = [];
    let received = 0;
    let failed = false;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      req.unpipe(parser);
      req.resume(); // drain what is left, so that the answer goes out
      reject(err);
    };
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) fail(new PayloadTooLargeException(`the form field ${name} is too large`));
      else fields.set(name, value);
    });
    parser.on('file', (field, stream, info) => {
      const file: FormFile = {
        field,
        ...(info.filename ? { filename: info.filename } : {}),
        contentType: info.mimeType || 'application/octet-stream',
        sizeBytes: 0,
      };
      files.push(file);
      stream.on('data', (chunk: Buffer) => {
        file.sizeBytes += chunk.length;
      });
    });
    parser.on('error', (err: Error) =>
      fail(new BadRequestException(`unreadable multipart body: ${err.message}`)),
    );
    parser.on('close', () => {
      if (!failed) resolve({ fields, files });
    });
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > options.maxBytes)
        fail(new PayloadTooLargeException(`the body is larger than ${options.maxBytes} bytes`));
      else options.onChunk?.(chunk);
    });
    req.on('error', (err) => fail(new BadRequestException(`the body could not be read: ${err.message}`)));
    req.pipe(parser);
  });
}
