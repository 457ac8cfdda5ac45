/** An undo of one saga step, told why the order is being undone. */
export type Undo = (reason: string) => Promise<void>;

/**
 * The saga's compensation stack. A step registers its undo before it can have changed anything (an
 * undo is safe when there is nothing to undo), so a step that failed half-way is undone too. They run
 * newest first, once.
 */
export class Compensations {
  private readonly undos: Undo[] = [];

  register(undo: Undo): void {
    this.undos.push(undo);
  }

  async runNewestFirst(reason: string): Promise<void> {
    for (let undo = this.undos.pop(); undo; undo = this.undos.pop()) await undo(reason);
  }
}
