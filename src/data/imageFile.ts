/**
 * Decoding one PNG or JPEG file into raw pixels, with pngjs and jpeg-js (well-kept pure
 * JavaScript decoders: no native build). Alpha is dropped; an image whose red, green and blue
 * are equal everywhere counts as grayscale.
 */
import { extname } from "node:path";
import { PNG } from "pngjs";
import jpeg from "jpeg-js";
import { BamsprodError } from "../util/errors.js";
import { readFileBounded } from "../util/readBounded.js";
import { LIMITS } from "../util/limits.js";

/** File extensions read as images (lower case). */
export const imageExtensions = [".png", ".jpg", ".jpeg"] as const;

/** A decoded image: RGBA bytes, row-major. */
export interface DecodedImage {
  width: number;
  height: number;
  rgba: Uint8Array;
  /** True when R = G = B at every pixel. */
  gray: boolean;
}

export function isImageFile(name: string): boolean {
  return (imageExtensions as readonly string[]).includes(extname(name).toLowerCase());
}

/** Decodes a PNG or JPEG file (by its content's magic bytes); throws naming the file. */
export function decodeImageFile(path: string): DecodedImage {
  const bytes = readFileBounded(path, LIMITS.fileBytes, "image");
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    if (bytes[0] === 0x89 && bytes[1] === 0x50) decoded = PNG.sync.read(bytes);
    else if (bytes[0] === 0xff && bytes[1] === 0xd8) {
      decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 512 });
    } else throw new Error("neither a PNG nor a JPEG file (by its first bytes)");
  } catch (err) {
    throw new BamsprodError(`cannot decode image ${path}: ${(err as Error).message}`);
  }
  const { width, height, data } = decoded;
  if (data.length !== width * height * 4) {
    throw new BamsprodError(`cannot decode image ${path}: 16-bit or unusual pixel layout (${data.length} bytes for ${width}x${height})`);
  }
  let gray = true;
  for (let i = 0; i < data.length && gray; i += 4) gray = data[i] === data[i + 1] && data[i] === data[i + 2];
  return { width, height, rgba: data, gray };
}

/** Writes an image's pixels as `channels` planes (1: gray from the red plane, 3: RGB), CHW. */
export function toPlanes(image: DecodedImage, channels: number, out: Uint8Array, offset: number): void {
  const pixels = image.width * image.height;
  for (let c = 0; c < channels; c++) {
    const plane = offset + c * pixels;
    for (let p = 0; p < pixels; p++) out[plane + p] = image.rgba[4 * p + c];
  }
}
