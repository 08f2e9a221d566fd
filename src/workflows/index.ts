export * from './smoke';
export * from './segmentation';
