import { describe, expect, it } from 'vitest';
import { BackendTensor, createReferenceBackend, type Tensor, TensorLifetime } from './index.js';

/** Storage that counts how often it was freed. */
class Cell {
  freed = 0;
  constructor(readonly value: number) {}
}

class CellTensor extends BackendTensor<Cell> {}

/** The smallest backend lifetime: one cell per handle, freed through `freeStorage`. */
class CellBackend extends TensorLifetime<Cell, CellTensor> {
  constructor() {
    super('cells:test');
  }

  make(value: number, shape: readonly number[] = [2]): CellTensor {
    return this.track(new CellTensor(this, new Cell(value), shape));
  }

  cellValue(x: Tensor): number {
    return this.storageOf(x).value;
  }

  handleOf(x: Tensor): CellTensor {
    return this.live(x);
  }

  inTransient<T>(fn: () => T): T {
    return this.transient(fn);
  }

  protected override freeStorage(storage: Cell): void {
    storage.freed++;
  }
}

function errorOf(fn: () => unknown): { code?: string; message?: string } {
  try {
    fn();
  } catch (error) {
    return error as { code?: string; message?: string };
  }
  throw new Error('expected a throw');
}

describe('BackendTensor', () => {
  it('has a frozen shape, its size from the shape, 4 bytes per element and the owner name', () => {
    const b = new CellBackend();
    const t = b.make(1, [2, 3]);
    expect(t).toBeInstanceOf(CellTensor);
    expect(t).toMatchObject({ dtype: 'float32', size: 6, bytes: 24, backend: 'cells:test' });
    expect(Object.isFrozen(t.shape)).toBe(true);
    expect(b.make(1, []).size).toBe(1);
    expect(t.isDisposed).toBe(false);
    t.dispose();
    expect(t.isDisposed).toBe(true);
    expect(t.storage).toBeNull();
  });
});

describe('TensorLifetime', () => {
  it('counts live handles and bytes; dispose (one or a list, or x.dispose()) frees each once', () => {
    const b = new CellBackend();
    const x = b.make(1);
    const y = b.make(2, [3]);
    const cell = x.storage!;
    expect(b.memory()).toEqual({ tensors: 2, bytes: 20 });
    b.dispose(x);
    x.dispose();
    b.dispose([x, y]);
    expect(cell.freed).toBe(1);
    expect(b.memory()).toEqual({ tensors: 0, bytes: 0 });
  });

  it('reads storage of live handles; disposed ones are TENSOR_DISPOSED naming the shape', () => {
    const b = new CellBackend();
    const x = b.make(7, [2, 1]);
    expect(b.cellValue(x)).toBe(7);
    expect(b.handleOf(x)).toBe(x);
    x.dispose();
    expect(errorOf(() => b.cellValue(x))).toMatchObject({
      code: 'TENSOR_DISPOSED',
      message: 'cells:test: tensor [2, 1] was disposed',
    });
    expect(errorOf(() => b.keep(x)).code).toBe('TENSOR_DISPOSED');
  });

  it("another instance's, another backend's, or a non-handle is TENSOR_FOREIGN everywhere", () => {
    const b = new CellBackend();
    const other = new CellBackend().make(1);
    const reference = createReferenceBackend().fill([2], 1);
    for (const foreign of [other, reference, { backend: 'fake' } as unknown as Tensor]) {
      for (const use of [
        () => b.cellValue(foreign),
        () => b.keep(foreign),
        () => b.dispose(foreign),
      ]) {
        const error = errorOf(use);
        expect(error.code).toBe('TENSOR_FOREIGN');
        expect(error.message).toMatch(
          /^cells:test: got a tensor of backend '.+'; pass tensors only/,
        );
      }
    }
    expect(errorOf(() => b.cellValue(null as unknown as Tensor)).code).toBe('TENSOR_FOREIGN');
    expect(other.isDisposed).toBe(false);
  });

  it('scope frees what it neither returns nor keeps; transient frees everything', () => {
    const b = new CellBackend();
    let dropped: CellTensor | undefined;
    let kept: CellTensor | undefined;
    const out = b.scope(() => {
      dropped = b.make(1);
      kept = b.keep(b.make(2));
      return { result: [b.make(3)] };
    });
    expect(dropped?.isDisposed).toBe(true);
    expect(kept?.isDisposed).toBe(false);
    expect(out.result[0]?.isDisposed).toBe(false);
    expect(b.memory().tensors).toBe(2);
    const temporary = b.inTransient(() => b.make(4));
    expect(temporary.isDisposed).toBe(true);
    expect(b.memory().tensors).toBe(2);
  });

  it('a scope does not adopt handles of another instance that its fn returns', () => {
    const a = new CellBackend();
    const b = new CellBackend();
    const foreign = b.make(1);
    a.scope(() => foreign);
    b.scope(() => undefined);
    expect(foreign.isDisposed).toBe(false);
    expect(b.memory().tensors).toBe(1);
  });
});
